"""照会: find taxpayers by atena_no, notice number, My Number, kana, birth date, phone."""

from __future__ import annotations

from dataclasses import dataclass

from core.dates import DateParseError, parse_date
from core.domain.search import SearchCriteria, SearchPage
from core.errors import PermissionDenied, ValidationError
from core.identifiers import IdentifierError, normalize_my_number
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.registry import record_denial, service
from core.text.kana import digits_only, is_kana_name, kana_search_key

__all__ = ["SearchForm", "normalize_form", "search_taxpayers", "MAX_PAGE"]

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class SearchForm:
    """What a clerk typed, as raw text; empty strings mean "not given"."""

    atena_no: str = ""
    notice_no: str = ""
    my_number: str = ""
    kana_name: str = ""
    kana_surname: str = ""
    birth_date: str = ""
    phone: str = ""


def _kana(text: str, field: str) -> str:
    if not is_kana_name(text):
        raise ValidationError("カナで入力してください", field=field)
    key = kana_search_key(text)
    if not key:
        raise ValidationError("カナで入力してください", field=field)
    return key


def normalize_form(form: SearchForm) -> SearchCriteria:
    """Validate and normalise; raises :class:`ValidationError` with a Japanese message."""
    values = {k: getattr(form, k).strip() for k in SearchForm.__dataclass_fields__}
    try:
        my_number = normalize_my_number(values["my_number"]) if values["my_number"] else None
    except IdentifierError as exc:
        raise ValidationError(str(exc), field="my_number") from exc
    try:
        birth = parse_date(values["birth_date"]) if values["birth_date"] else None
    except DateParseError as exc:
        raise ValidationError(str(exc), field="birth_date") from exc
    phone = digits_only(values["phone"]) if values["phone"] else None
    if phone is not None and not phone:
        raise ValidationError("電話番号は数字で入力してください", field="phone")
    criteria = SearchCriteria(
        atena_no=values["atena_no"] or None,
        notice_no=values["notice_no"] or None,
        my_number=my_number,
        kana_name=_kana(values["kana_name"], "kana_name") if values["kana_name"] else None,
        kana_surname=_kana(values["kana_surname"], "kana_surname") if values["kana_surname"] else None,
        birth_date=birth,
        phone=phone,
    )
    if criteria.is_empty():
        raise ValidationError("検索条件を1つ以上入力してください")
    if criteria.kinds() == ("birth_date",):
        raise ValidationError("生年月日だけでは検索できません。カナ氏名などを加えてください", field="birth_date")
    return criteria


@service(Permission.TAXPAYER_SEARCH)
def search_taxpayers(
    uow: UnitOfWork, actor: Actor, form: SearchForm, *, offset: int = 0, limit: int = 50
) -> SearchPage:
    """Search; the audit event records the kinds of criteria and the count, never values."""
    criteria = normalize_form(form)
    if criteria.my_number is not None and not actor.can(Permission.MYNUMBER_SEARCH):
        record_denial(uow, actor, str(Permission.MYNUMBER_SEARCH), "search_taxpayers")
        raise PermissionDenied(str(Permission.MYNUMBER_SEARCH))
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise ValidationError(f"表示件数は1〜{MAX_PAGE}件です")
    with uow:
        rows, has_more = uow.taxpayers.search(criteria, offset=offset, limit=limit)
        uow.audit.record(
            actor,
            AuditEvent(
                action="taxpayer.search",
                details={"kinds": list(criteria.kinds()), "count": len(rows),
                         "has_more": has_more, "offset": offset},
            ),
        )
        uow.commit()
    return SearchPage(rows=tuple(rows), offset=offset, limit=limit, has_more=has_more)
