"""The 口座振替 請求 file for a run: core's plain request data → 全銀 種別91 bytes."""

from __future__ import annotations

from core.services.transfer import TransferRequest
from storage.files import zengin

__all__ = ["render_transfer_request"]


def render_transfer_request(request: TransferRequest) -> bytes:
    c = request.consignor
    header = zengin.TransferHeader(
        consignor_code=c["code"], consignor_name=c["name"], debit_date=request.debit_on, bank_code=c["bank_code"],
        branch_code=c["branch_code"], account_type=c.get("account_type", "1"), account_number=c["account_number"],
        bank_name=c.get("bank_name", ""), branch_name=c.get("branch_name", ""))
    items = [zengin.TransferItem(
        bank_code=line.bank_code, branch_code=line.branch_code, account_type=line.account_type,
        account_number=line.account_no, payer_name=line.holder_kana, amount=line.amount,
        customer_number=line.customer_no, new_code=line.new_code) for line in request.lines]
    return zengin.write_transfer_request(header, items)
