"""The collection policies an administrator sets (SPEC: rates and policies are data).

``allocation_policy`` (充当順序), ``dunning_policy`` (督促手数料, 指定期限, window,
時効警告), ``suspense_excess_limit`` (未消込とする超過額),
``transfer_consignor`` (口座振替の委託者) and ``delinquency_policy`` (滞納整理: case
opening, 分納 grace, 執行停止 watch, default priority). A new value is validated — the whole
policy is reloaded inside the transaction and anything invalid rolls back —
and the change is audited with the old and new values (none is personal).
"""

from __future__ import annotations

import re
from typing import Any

from core.errors import ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.ledger import ALLOCATION_POLICY_KEY, DUNNING_POLICY_KEY, SUSPENSE_LIMIT_KEY, load_policy
from core.services.cases import DELINQUENCY_POLICY_KEY, load_delinquency_policy
from core.services.registry import service
from core.services.retention import RETENTION_POLICY_KEY, load_retention_policy
from core.services.transfer import CONSIGNOR_KEY
from core.text.kana import to_bank_halfwidth_kana

__all__ = ["POLICY_KEYS", "show_policies", "set_policy"]

POLICY_KEYS: dict[str, str] = {
    ALLOCATION_POLICY_KEY: "充当順序 {\"version\": \"2026-01\", \"order\": [\"honzei\", \"entaikin\", \"dunning_fee\"]}",
    DUNNING_POLICY_KEY: "督促 {\"fee\": 100, \"designated_days\": 10, \"after_days\": 20, \"warn_months\": 6}",
    SUSPENSE_LIMIT_KEY: "未消込とする超過額（円） 100000",
    RETENTION_POLICY_KEY: "保存年数 {\"taxpayer\": 7, \"certificate\": 5, \"taxpayer_history\": 5}",
    DELINQUENCY_POLICY_KEY: "滞納整理 {\"open_after_days\": 30, \"plan_grace_days\": 10, "
                            "\"suspension_watch_days\": 90, \"default_priority\": 3}",
    CONSIGNOR_KEY: "口座振替の委託者 {\"code\": 10桁, \"name\": カナ, \"bank_code\", \"branch_code\", "
                   "\"account_type\", \"account_number\", \"bank_name\", \"branch_name\"}",
}
_CONSIGNOR_CODES = {"code": 10, "bank_code": 4, "branch_code": 3, "account_number": 7}


def _check_consignor(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValidationError("委託者情報は辞書形式です", field=CONSIGNOR_KEY)
    unknown = set(value) - set(_CONSIGNOR_CODES) - {"name", "account_type", "bank_name", "branch_name"}
    if unknown:
        raise ValidationError(f"委託者情報に不明な項目があります（{', '.join(sorted(unknown))}）", field=CONSIGNOR_KEY)
    for key, width in _CONSIGNOR_CODES.items():
        if not isinstance(value.get(key), str) or not re.fullmatch(rf"[0-9]{{{width}}}", value[key]):
            raise ValidationError(f"委託者情報の {key} は{width}桁の数字です", field=CONSIGNOR_KEY)
    if value.get("account_type", "1") not in ("1", "2"):
        raise ValidationError("委託者情報の account_type は 1 か 2 です", field=CONSIGNOR_KEY)
    for key in ("name", "bank_name", "branch_name"):
        text = value.get(key, "x" if key != "name" else "")
        try:
            if not isinstance(text, str) or not to_bank_halfwidth_kana(text, strict=True).strip():
                raise ValueError
        except ValueError:
            raise ValidationError(f"委託者情報の {key} はカナで入力してください", field=CONSIGNOR_KEY) from None


@service(Permission.ADMIN_SETTINGS)
def show_policies(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    with uow:
        return {key: uow.settings.get(key) for key in POLICY_KEYS}


@service(Permission.ADMIN_SETTINGS)
def set_policy(uow: UnitOfWork, actor: Actor, key: str, value: Any) -> None:
    if key not in POLICY_KEYS:
        raise ValidationError(f"設定できる項目は {', '.join(POLICY_KEYS)} です", field="key")
    if key == CONSIGNOR_KEY:
        _check_consignor(value)
    with uow:
        old = uow.settings.get(key)
        uow.settings.set(key, value, by=actor.user_id)
        load_policy(uow)  # validates the policy as a whole; an error rolls back
        load_delinquency_policy(uow)
        load_retention_policy(uow)
        uow.audit.record(actor, AuditEvent(action="settings.change", target_type="setting", target_ref=key,
                                           details={"old": old, "new": value}))
        uow.commit()
