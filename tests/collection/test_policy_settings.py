"""Collection policies are data an administrator changes, validated and audited."""

from __future__ import annotations

import pytest

from core.errors import PermissionDenied, ValidationError
from core.security.permissions import Actor, Permission
from core.services.ledger import load_policy
from core.services.policy_settings import set_policy, show_policies
from storage.demo.activity import DEMO_CONSIGNOR
from storage.store import Store

ADMIN = Actor("admin1", frozenset({Permission.ADMIN_SETTINGS.value}))
CLERK = Actor("clerk1", frozenset({Permission.PAYMENT_POST.value}))


class TestPolicySettings:
    def test_a_new_dunning_fee_is_in_force_at_once(self, store: Store) -> None:
        set_policy(store.uow(), ADMIN, "dunning_policy", {"fee": 100, "designated_days": 15})
        with store.uow() as uow:
            policy = load_policy(uow)
        assert (policy.dunning_fee, policy.designated_days) == (100, 15)

    def test_an_invalid_value_changes_nothing(self, store: Store) -> None:
        set_policy(store.uow(), ADMIN, "suspense_excess_limit", 50_000)
        with pytest.raises(ValidationError):
            set_policy(store.uow(), ADMIN, "suspense_excess_limit", -1)
        with pytest.raises(ValidationError):
            set_policy(store.uow(), ADMIN, "allocation_policy", {"version": "x", "order": ["honzei"]})
        assert show_policies(store.uow(), ADMIN)["suspense_excess_limit"] == 50_000
        assert show_policies(store.uow(), ADMIN)["allocation_policy"] is None

    def test_the_consignor_must_be_codes_and_kana(self, store: Store) -> None:
        set_policy(store.uow(), ADMIN, "transfer_consignor", DEMO_CONSIGNOR)
        with pytest.raises(ValidationError, match="10桁"):
            set_policy(store.uow(), ADMIN, "transfer_consignor", {**DEMO_CONSIGNOR, "code": "12"})
        with pytest.raises(ValidationError, match="カナ"):
            set_policy(store.uow(), ADMIN, "transfer_consignor", {**DEMO_CONSIGNOR, "name": "港市"})

    def test_an_unknown_key_is_refused(self, store: Store) -> None:
        with pytest.raises(ValidationError):
            set_policy(store.uow(), ADMIN, "anything", 1)

    def test_only_an_administrator_with_admin_settings_may_change_policies(self, store: Store) -> None:
        with pytest.raises(PermissionDenied):
            set_policy(store.uow(), CLERK, "suspense_excess_limit", 1)
