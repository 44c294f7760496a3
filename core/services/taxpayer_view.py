"""Opening a taxpayer, and revealing a My Number (SPEC §5.3).

Without ``mynumber.view`` the number is absent — not even masked digits; with
it, ``****-****-1234``; the full number only through :func:`reveal_my_number`,
which takes a purpose and is logged. Every opening is logged with the atena
number before anything is returned (fail closed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from core.domain.taxpayer import Taxpayer
from core.errors import NotFound, ValidationError
from core.identifiers import mask_my_number
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission, require
from core.services.registry import service

__all__ = ["TaxpayerView", "view_taxpayer", "reveal_my_number", "is_flagged"]


@dataclass(frozen=True, slots=True)
class TaxpayerView:
    """A taxpayer as one user may see it. ``my_number_masked`` is None without mynumber.view."""

    taxpayer: Taxpayer  # with my_number removed
    my_number_masked: str | None
    has_my_number: bool
    can_reveal: bool

    def __repr__(self) -> str:
        return f"TaxpayerView(atena_no={self.taxpayer.atena_no!r}, can_reveal={self.can_reveal})"


def is_flagged(uow: UnitOfWork, t: Taxpayer) -> bool:
    """Records the audit review watches: support-measure (DV等) flags and listed atena numbers."""
    watched = uow.settings.get("audit_watched_atena", []) or []
    return t.flags.hakko_yokushi or t.atena_no in watched


def _load(uow: UnitOfWork, taxpayer_id: int) -> Taxpayer:
    t = uow.taxpayers.get(taxpayer_id)
    if t is None:
        raise NotFound("宛名が見つかりません")
    return t


@service(Permission.TAXPAYER_VIEW)
def view_taxpayer(uow: UnitOfWork, actor: Actor, taxpayer_id: int) -> TaxpayerView:
    with uow:
        t = _load(uow, taxpayer_id)
        details = {"flagged": True} if is_flagged(uow, t) else {}
        uow.audit.record(actor, AuditEvent(action="taxpayer.view", target_type="taxpayer",
                                           target_ref=t.atena_no, details=details))
        uow.commit()
    can_see = actor.can(Permission.MYNUMBER_VIEW)
    stripped = Taxpayer(**{f.name: getattr(t, f.name) for f in fields(Taxpayer) if f.name != "my_number"})
    return TaxpayerView(
        taxpayer=stripped,
        my_number_masked=mask_my_number(t.my_number) if can_see and t.my_number else None,
        has_my_number=can_see and t.my_number is not None,
        can_reveal=can_see and t.my_number is not None,
    )


_DIGIT_RUN = re.compile(r"[0-9０-９][0-9０-９\s\-－]{6,}[0-9０-９]")


_SPACES = re.compile(r"[\s　]+")


def _personal_terms(t: Taxpayer) -> list[str]:
    """The subject's own personal values as they might be typed: whole, without spaces,
    and each part of a name of two characters or more (longest first)."""
    terms: set[str] = set()
    for value in (t.name, t.name_kana, t.address, t.phone, t.mailing_address, t.household_head_name):
        if not value:
            continue
        terms.update({value, _SPACES.sub("", value)})
        terms.update(part for part in _SPACES.split(value) if len(part) >= 2)
    return sorted((x for x in terms if x), key=len, reverse=True)


def _masked_purpose(purpose: str, t: Taxpayer | None = None) -> str:
    """The purpose as logged: long digit runs (numbers of people) and the subject's own
    name, kana, address and phone, however spaced, are masked — the audit log holds no
    personal values (SPEC §5.1)."""
    masked = _DIGIT_RUN.sub("＊", purpose)
    if t is not None:
        for term in _personal_terms(t):
            masked = masked.replace(term, "＊")
    return masked


@service(Permission.MYNUMBER_VIEW)
def reveal_my_number(uow: UnitOfWork, actor: Actor, taxpayer_id: int, purpose: str) -> str:
    """Needs ``mynumber.view`` and ``taxpayer.view``; the purpose is logged (numbers and the
    subject's own personal values masked)."""
    require(actor, Permission.TAXPAYER_VIEW)
    purpose = purpose.strip()
    if not purpose:
        raise ValidationError("個人番号を表示する目的を入力してください", field="purpose")
    if len(purpose) > 200:
        raise ValidationError("目的は200文字以内で入力してください", field="purpose")
    with uow:
        t = _load(uow, taxpayer_id)
        if t.my_number is None:
            raise NotFound("この宛名には個人番号が登録されていません")
        uow.audit.record(actor, AuditEvent(action="mynumber.reveal", target_type="taxpayer",
                                           target_ref=t.atena_no, details={"purpose": _masked_purpose(purpose, t)}))
        uow.commit()
        return t.my_number
