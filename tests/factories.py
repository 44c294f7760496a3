"""Small builders of valid domain objects for tests."""

from __future__ import annotations

from datetime import date

from core.domain.assessment import Assessment, TaxCode
from core.domain.taxpayer import ResidentStatus, Sex, Taxpayer, TaxpayerKind
from core.identifiers import make_my_number


def person(n: int = 1, **overrides: object) -> Taxpayer:
    values: dict[str, object] = {
        "atena_no": f"{n:010d}",
        "kind": TaxpayerKind.INDIVIDUAL,
        "name": "山田　太郎",
        "name_kana": "ヤマダ　タロウ",
        "my_number": make_my_number(f"{12345678900 + n:011d}"[-11:]),
        "sex": Sex.MALE,
        "birth_date": date(1980, 4, 1),
        "postal_code": "1000001",
        "address": "みなと市本町1丁目2番3号",
        "phone": "0312345678",
        "resident_status": ResidentStatus.RESIDENT,
    }
    values.update(overrides)
    return Taxpayer(**values)  # type: ignore[arg-type]


def period(taxpayer_id: int, *, notice_no: str = "2025010000001", period: int = 1,
           amount: int = 30_000, due: date = date(2025, 6, 30), **overrides: object) -> Assessment:
    values: dict[str, object] = {
        "notice_no": notice_no, "taxpayer_id": taxpayer_id, "tax_code": TaxCode.KOJIN_JUMINZEI,
        "fiscal_year": 2025, "period": period, "assessed_amount": amount,
        "due_date": due, "statutory_due_date": due,
    }
    values.update(overrides)
    return Assessment(**values)  # type: ignore[arg-type]
