"""The permission list and default roles against SPEC §5.3, and maker–checker."""

from __future__ import annotations

import pytest

from core.errors import PermissionDenied
from core.security.permissions import (
    DEFAULT_ROLES, Actor, MakerCheckerViolation, Permission, require, require_other_checker,
)

SPEC_PERMISSIONS = """taxpayer.search taxpayer.view mynumber.view mynumber.search payment.post payment.import
payment.reverse suspense.resolve refund.draft refund.approve refund.pay dunning.run case.view case.edit
case.assign plan.edit seizure.record disposition.approve certificate.issue transfer.manage export.files
report.view audit.review admin.users admin.terminals admin.keys admin.settings""".split()
TAXPAYER_DATA = {"taxpayer.search", "taxpayer.view", "mynumber.view", "mynumber.search"}
SPEC_ROLES = ["照会", "収納担当", "還付担当", "還付決裁者", "滞納整理担当", "滞納整理統括", "証明発行",
              "個人番号利用事務", "監査担当", "システム管理者"]


def perms(code: str) -> frozenset[str]:
    return frozenset(str(p) for p in DEFAULT_ROLES[code][1])


class TestPermissionList:
    def test_the_list_is_exactly_the_specs(self) -> None:
        assert sorted(p.value for p in Permission) == sorted(SPEC_PERMISSIONS)

    def test_the_default_roles_are_the_specs(self) -> None:
        assert [name for name, _ in DEFAULT_ROLES.values()] == SPEC_ROLES


class TestDefaultRoleMatrix:
    @pytest.mark.parametrize("code", ["admin", "auditor"])
    def test_administrators_and_auditors_see_no_taxpayer_data(self, code: str) -> None:
        assert not perms(code) & TAXPAYER_DATA

    def test_only_the_my_number_role_grants_my_number_access(self) -> None:
        holders = {code for code in DEFAULT_ROLES if perms(code) & {"mynumber.view", "mynumber.search"}}
        assert holders == {"mynumber"}
        assert perms("mynumber") == {"mynumber.view", "mynumber.search"}

    def test_drafting_and_approving_refunds_are_different_roles(self) -> None:
        assert "refund.draft" in perms("refund") and "refund.approve" not in perms("refund")
        assert "refund.approve" in perms("refund_approver") and "refund.draft" not in perms("refund_approver")

    def test_dispositions_are_approved_only_by_the_supervisor(self) -> None:
        holders = {code for code in DEFAULT_ROLES if "disposition.approve" in perms(code)}
        assert holders == {"delinquency_supervisor"}
        assert "case.assign" in perms("delinquency_supervisor") and "case.assign" not in perms("delinquency")

    def test_administration_is_only_the_administrators(self) -> None:
        admin_perms = {p for p in SPEC_PERMISSIONS if p.startswith("admin.")}
        for code in DEFAULT_ROLES:
            assert (perms(code) & admin_perms == admin_perms) == (code == "admin")
            assert not perms(code) & admin_perms or code == "admin"

    def test_audit_review_is_only_the_auditors(self) -> None:
        assert {c for c in DEFAULT_ROLES if "audit.review" in perms(c)} == {"auditor"}

    @pytest.mark.parametrize(("code", "needed"), [
        ("inquiry", {"taxpayer.search", "taxpayer.view"}),
        ("collection", {"payment.post", "payment.import", "payment.reverse", "suspense.resolve", "dunning.run"}),
        ("refund", {"refund.draft", "refund.pay"}),
        ("delinquency", {"case.view", "case.edit", "plan.edit", "seizure.record"}),
        ("certificate", {"certificate.issue"}),
    ])
    def test_each_business_role_can_do_its_work(self, code: str, needed: set[str]) -> None:
        assert needed <= perms(code)

    def test_the_inquiry_role_can_change_nothing(self) -> None:
        assert perms("inquiry") <= {"taxpayer.search", "taxpayer.view", "report.view"}


class TestRequire:
    def test_deny_by_default(self) -> None:
        with pytest.raises(PermissionDenied, match="payment.post"):
            require(Actor("u1"), Permission.PAYMENT_POST)

    def test_a_holder_passes(self) -> None:
        require(Actor("u1", frozenset({"payment.post"})), Permission.PAYMENT_POST)


class TestMakerChecker:
    def test_the_drafter_cannot_approve_their_own_draft(self) -> None:
        approver = Actor("u1", frozenset({"refund.approve"}))
        with pytest.raises(MakerCheckerViolation, match="起案者本人"):
            require_other_checker(approver, Permission.REFUND_APPROVE, maker="u1")

    def test_another_holder_may_approve(self) -> None:
        require_other_checker(Actor("u2", frozenset({"refund.approve"})), Permission.REFUND_APPROVE, maker="u1")

    def test_someone_else_without_the_permission_may_not(self) -> None:
        with pytest.raises(PermissionDenied):
            require_other_checker(Actor("u2"), Permission.REFUND_APPROVE, maker="u1")
