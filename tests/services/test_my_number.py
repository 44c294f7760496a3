"""My Number visibility (SPEC §5.3): absent, masked, or revealed with a logged purpose."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.errors import PermissionDenied, ValidationError
from core.security.permissions import Actor
from core.services.taxpayer_view import reveal_my_number, view_taxpayer
from storage.schema import audit_events
from storage.store import Store
from tests.factories import person

CLERK = Actor("clerk01", frozenset({"taxpayer.search", "taxpayer.view"}), session_id="s1", terminal_id="T01")
MN_CLERK = Actor("mn01", frozenset({"taxpayer.search", "taxpayer.view", "mynumber.view"}), session_id="s2")


@pytest.fixture
def tid(store: Store) -> int:
    with store.uow() as uow:
        new_id = uow.taxpayers.add(person(7, my_number="123456789018"))
        uow.commit()
    return new_id


def events(store: Store) -> list:
    with store.reading() as conn:
        return list(conn.execute(select(audit_events).order_by(audit_events.c.seq)))


class TestMyNumberVisibility:
    def test_without_mynumber_view_the_number_is_absent_not_masked(self, store: Store, tid: int) -> None:
        view = view_taxpayer(store.uow(), CLERK, tid)
        assert view.my_number_masked is None and not view.has_my_number and not view.can_reveal
        assert "123456789018" not in repr(view) and "9018" not in repr(view)

    def test_with_mynumber_view_it_is_masked(self, store: Store, tid: int) -> None:
        view = view_taxpayer(store.uow(), MN_CLERK, tid)
        assert view.my_number_masked == "****-****-9018" and view.can_reveal
        assert "123456789018" not in repr(view)

    def test_opening_a_taxpayer_is_logged_with_the_atena_number(self, store: Store, tid: int) -> None:
        view_taxpayer(store.uow(), CLERK, tid)
        last = events(store)[-1]
        assert (last.action, last.target_type, last.target_ref, last.user_id) == \
            ("taxpayer.view", "taxpayer", "0000000007", "clerk01")

    def test_revealing_needs_a_purpose_and_logs_it(self, store: Store, tid: int) -> None:
        with pytest.raises(ValidationError, match="目的"):
            reveal_my_number(store.uow(), MN_CLERK, tid, "  ")
        number = reveal_my_number(store.uow(), MN_CLERK, tid, "宛名の同一人確認のため")
        assert number == "123456789018"
        last = events(store)[-1]
        assert last.action == "mynumber.reveal" and last.target_ref == "0000000007"
        assert "宛名の同一人確認のため" in last.details and "123456789018" not in last.details

    def test_revealing_without_mynumber_view_is_refused_and_logged(self, store: Store, tid: int) -> None:
        with pytest.raises(PermissionDenied):
            reveal_my_number(store.uow(), CLERK, tid, "確認")
        last = events(store)[-1]
        assert (last.action, last.outcome) == ("permission.denied", "denied")

    def test_a_flagged_record_is_marked_in_the_log(self, store: Store) -> None:
        from core.domain.taxpayer import TaxpayerFlags

        with store.uow() as uow:
            flagged = uow.taxpayers.add(person(8, flags=TaxpayerFlags(hakko_yokushi=True)))
            uow.commit()
        view_taxpayer(store.uow(), CLERK, flagged)
        assert '"flagged":true' in events(store)[-1].details


class TestRevealHardening:
    def test_revealing_also_needs_taxpayer_view(self, store: Store, tid: int) -> None:
        only_mynumber = Actor("adm", frozenset({"mynumber.view", "admin.users"}))
        with pytest.raises(PermissionDenied, match="taxpayer.view"):
            reveal_my_number(store.uow(), only_mynumber, tid, "確認")

    def test_numbers_typed_into_the_purpose_are_masked_in_the_log(self, store: Store, tid: int) -> None:
        reveal_my_number(store.uow(), MN_CLERK, tid, "番号 1234 5678 9018 の照合、電話 090-1111-2222")
        details = events(store)[-1].details
        assert "1234 5678 9018" not in details and "090-1111-2222" not in details and "照合" in details

    def test_the_subjects_own_name_and_address_typed_into_the_purpose_are_masked_in_the_log(
            self, store: Store, tid: int) -> None:
        reveal_my_number(store.uow(), MN_CLERK, tid, "山田太郎さん（ヤマダ　タロウ）本人の申出、みなと市本町1丁目2番3号")
        details = events(store)[-1].details
        for value in ("山田", "太郎", "ヤマダ", "タロウ", "みなと市本町"):
            assert value not in details
        assert "本人の申出" in details
