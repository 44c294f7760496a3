"""The 総合振込 file (全銀 種別21) for a refund payment run."""

from __future__ import annotations

from core.services.refunds import PaymentRun
from storage.files import zengin

__all__ = ["render_refund_run"]


def render_refund_run(run: PaymentRun) -> bytes:
    c = run.requester
    header = zengin.FurikomiHeader(
        requester_code=c["code"], requester_name=c["name"], transfer_date=run.pay_on, bank_code=c["bank_code"],
        branch_code=c["branch_code"], account_type=c.get("account_type", "1"), account_number=c["account_number"],
        bank_name=c.get("bank_name", ""), branch_name=c.get("branch_name", ""))
    items = []
    for r in run.refunds:
        assert r.bank_code and r.branch_code and r.account_type and r.account_no and r.holder_kana
        items.append(zengin.FurikomiItem(
            bank_code=r.bank_code, branch_code=r.branch_code, account_type=r.account_type,
            account_number=r.account_no, payee_name=r.holder_kana, amount=r.total,
            customer_code1=f"{r.id:010d}", customer_code2=f"{r.overpayment_id:010d}"))
    return zengin.write_furikomi(header, items)
