"""The search service: permission, validation, audit — with an in-memory unit of work."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from core.errors import PermissionDenied, ValidationError
from core.security.permissions import Actor, Permission
from core.services.registry import SERVICES
from core.services.taxpayer_search import SearchForm, search_taxpayers
from tests.factories import person
from tests.fakes import FakeUnitOfWork

CLERK = Actor("clerk01", frozenset({Permission.TAXPAYER_SEARCH}), session_id="s1", terminal_id="T01")
MYNUMBER_CLERK = Actor("mn01", frozenset({Permission.TAXPAYER_SEARCH, Permission.MYNUMBER_SEARCH}))
NOBODY = Actor("admin01", frozenset({Permission.ADMIN_USERS}))


@pytest.fixture
def uow() -> FakeUnitOfWork:
    u = FakeUnitOfWork()
    u.taxpayers.add(person(1))
    u.taxpayers.add(person(2, name="佐藤　花子", name_kana="サトウ　ハナコ", phone="09011112222"))
    return u


class TestSearchTaxpayers:
    def test_a_clerk_finds_by_kana_typed_in_hiragana(self, uow: FakeUnitOfWork) -> None:
        page = search_taxpayers(uow, CLERK, SearchForm(kana_name="さとう　はなこ"))
        assert [r.atena_no for r in page.rows] == ["0000000002"]

    def test_the_search_is_audited_with_kinds_and_count_but_no_values(self, uow: FakeUnitOfWork) -> None:
        search_taxpayers(uow, CLERK, SearchForm(kana_surname="サトウ", phone="090-1111-2222"))
        [(actor, event)] = uow.audit.events
        assert actor.user_id == "clerk01" and event.action == "taxpayer.search"
        assert event.details == {"kinds": ["kana_surname", "phone"], "count": 1, "has_more": False, "offset": 0}
        assert "サトウ" not in repr(event) and "09011112222" not in repr(event)

    def test_a_user_without_taxpayer_search_is_refused_and_the_refusal_audited(self, uow: FakeUnitOfWork) -> None:
        with pytest.raises(PermissionDenied):
            search_taxpayers(uow, NOBODY, SearchForm(atena_no="0000000001"))
        [(actor, event)] = uow.audit.events
        assert (actor.user_id, event.action, event.outcome) == ("admin01", "permission.denied", "denied")
        assert event.details["permission"] == "taxpayer.search"

    def test_searching_by_my_number_needs_mynumber_search(self, uow: FakeUnitOfWork) -> None:
        number = person(1).my_number or ""
        with pytest.raises(PermissionDenied):
            search_taxpayers(uow, CLERK, SearchForm(my_number=number))
        assert uow.audit.events[-1][1].details["permission"] == "mynumber.search"
        page = search_taxpayers(uow, MYNUMBER_CLERK, SearchForm(my_number=number))
        assert [r.atena_no for r in page.rows] == ["0000000001"]

    @pytest.mark.parametrize(
        ("form", "message"),
        [
            (SearchForm(), "検索条件を1つ以上"),
            (SearchForm(kana_name="Yamada"), "カナで入力"),
            (SearchForm(my_number="123456789012"), "検査用数字"),
            (SearchForm(my_number="12345"), "12桁"),
            (SearchForm(kana_surname="ヤマダ", birth_date="R7.2.30"), "存在しない日付"),
            (SearchForm(birth_date="1980-04-01"), "生年月日だけでは"),
            (SearchForm(phone="abc"), "電話番号は数字"),
        ],
    )
    def test_bad_input_gets_a_japanese_message_and_searches_nothing(
        self, uow: FakeUnitOfWork, form: SearchForm, message: str
    ) -> None:
        with pytest.raises(ValidationError, match=message):
            search_taxpayers(uow, MYNUMBER_CLERK, form)
        assert uow.audit.events == []

    def test_page_sizes_outside_the_limit_are_refused(self, uow: FakeUnitOfWork) -> None:
        with pytest.raises(ValidationError):
            search_taxpayers(uow, CLERK, SearchForm(atena_no="0000000001"), limit=501)


def _import_every_service() -> None:
    import core.services

    for info in pkgutil.walk_packages(core.services.__path__, prefix="core.services."):
        importlib.import_module(info.name)


class TestServiceRegistry:
    def test_every_registered_service_refuses_an_actor_without_its_permission(self) -> None:
        _import_every_service()
        assert SERVICES, "no services registered"
        for info in SERVICES.values():
            uow = FakeUnitOfWork()
            with pytest.raises(PermissionDenied):
                info.function(uow, Actor("nobody"))
            assert [e.action for _, e in uow.audit.events] == ["permission.denied"]
