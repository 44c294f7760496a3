"""The permission list and default roles of SPEC §5.3. Deny by default."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from core.errors import NozeiError, PermissionDenied

__all__ = ["Permission", "DEFAULT_ROLES", "Actor", "require", "require_other_checker", "MakerCheckerViolation"]


class Permission(StrEnum):
    TAXPAYER_SEARCH = "taxpayer.search"
    TAXPAYER_VIEW = "taxpayer.view"
    MYNUMBER_VIEW = "mynumber.view"
    MYNUMBER_SEARCH = "mynumber.search"
    PAYMENT_POST = "payment.post"
    PAYMENT_IMPORT = "payment.import"
    PAYMENT_REVERSE = "payment.reverse"
    SUSPENSE_RESOLVE = "suspense.resolve"
    REFUND_DRAFT = "refund.draft"
    REFUND_APPROVE = "refund.approve"
    REFUND_PAY = "refund.pay"
    DUNNING_RUN = "dunning.run"
    CASE_VIEW = "case.view"
    CASE_EDIT = "case.edit"
    CASE_ASSIGN = "case.assign"
    PLAN_EDIT = "plan.edit"
    SEIZURE_RECORD = "seizure.record"
    DISPOSITION_APPROVE = "disposition.approve"
    CERTIFICATE_ISSUE = "certificate.issue"
    TRANSFER_MANAGE = "transfer.manage"
    EXPORT_FILES = "export.files"
    REPORT_VIEW = "report.view"
    AUDIT_REVIEW = "audit.review"
    ADMIN_USERS = "admin.users"
    ADMIN_TERMINALS = "admin.terminals"
    ADMIN_KEYS = "admin.keys"
    ADMIN_SETTINGS = "admin.settings"


P = Permission
_INQUIRY = frozenset({P.TAXPAYER_SEARCH, P.TAXPAYER_VIEW, P.REPORT_VIEW})

#: Default roles (role code → (Japanese name, permissions)). Administrators and
#: auditors get no taxpayer permissions unless also given a business role.
DEFAULT_ROLES: dict[str, tuple[str, frozenset[Permission]]] = {
    "inquiry": ("照会", _INQUIRY),
    "collection": (
        "収納担当",
        _INQUIRY
        | {P.PAYMENT_POST, P.PAYMENT_IMPORT, P.PAYMENT_REVERSE, P.SUSPENSE_RESOLVE,
           P.DUNNING_RUN, P.TRANSFER_MANAGE, P.EXPORT_FILES},
    ),
    "refund": ("還付担当", _INQUIRY | {P.REFUND_DRAFT, P.REFUND_PAY, P.EXPORT_FILES}),
    "refund_approver": ("還付決裁者", _INQUIRY | {P.REFUND_APPROVE}),
    "delinquency": (
        "滞納整理担当",
        _INQUIRY | {P.CASE_VIEW, P.CASE_EDIT, P.PLAN_EDIT, P.SEIZURE_RECORD, P.EXPORT_FILES},
    ),
    "delinquency_supervisor": (
        "滞納整理統括",
        _INQUIRY
        | {P.CASE_VIEW, P.CASE_EDIT, P.CASE_ASSIGN, P.PLAN_EDIT, P.SEIZURE_RECORD,
           P.DISPOSITION_APPROVE, P.EXPORT_FILES},
    ),
    "certificate": ("証明発行", _INQUIRY | {P.CERTIFICATE_ISSUE, P.EXPORT_FILES}),
    "mynumber": ("個人番号利用事務", frozenset({P.MYNUMBER_VIEW, P.MYNUMBER_SEARCH})),
    "auditor": ("監査担当", frozenset({P.AUDIT_REVIEW, P.EXPORT_FILES})),
    "admin": (
        "システム管理者",
        frozenset({P.ADMIN_USERS, P.ADMIN_TERMINALS, P.ADMIN_KEYS, P.ADMIN_SETTINGS}),
    ),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: the user, their session and terminal, and what they may do."""

    user_id: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    session_id: str | None = None
    terminal_id: str | None = None
    client_address: str | None = None

    def can(self, permission: Permission | str) -> bool:
        return str(permission) in self.permissions


def require(actor: Actor, permission: Permission) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` holds ``permission``."""
    if not actor.can(permission):
        raise PermissionDenied(str(permission))


class MakerCheckerViolation(NozeiError):
    """The approver is the person who drafted the thing being approved."""


def require_other_checker(actor: Actor, permission: Permission, *, maker: str) -> None:
    """Maker–checker: ``actor`` must hold ``permission`` and must not be ``maker``."""
    require(actor, permission)
    if actor.user_id == maker:
        raise MakerCheckerViolation("起案者本人は決裁できません（別の職員の決裁が必要です）")
