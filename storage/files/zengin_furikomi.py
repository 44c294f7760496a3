"""全銀協 総合振込 (種別コード 21): the transfer file for approved refunds (還付金).

Offsets are 0-based byte positions in the 120-byte record (see
:mod:`storage.files.zengin_fields` for encoding, padding and error rules)::

    Header (データ区分 "1")            Data (データ区分 "2")
      0 データ区分       1 "1"           0 データ区分       1 "2"
      1 種別コード       2 "21"          1 被仕向銀行番号   4
      3 コード区分       1 "0" (JIS)     5 被仕向銀行名    15 (cut to width)
      4 依頼人コード    10              20 被仕向支店番号   3
     14 依頼人名        40              23 被仕向支店名    15 (cut to width)
     54 取組日           4 MMDD         38 手形交換所番号   4 spaces
     58 仕向銀行番号     4              42 預金種目         1 "1" 普通 / "2" 当座
     62 仕向銀行名      15 (cut)        43 口座番号         7
     77 仕向支店番号     3              50 受取人名        30
     80 仕向支店名      15 (cut)        80 振込金額        10
     95 預金種目         1              90 新規コード       1
     96 口座番号         7              91 顧客コード1     10
    103 ダミー          17             101 顧客コード2     10
                                       111 振込指定区分     1 " " or "7" (テレ振込)
    Trailer (データ区分 "8")           112 識別表示         1 " "
      1 合計件数 6, 7 合計金額 12,     113 ダミー           7
     19 ダミー 101                     End (データ区分 "9"): 1 ダミー 119

:func:`read_furikomi` applies the same whole-file checks as the 口座振替 reader
(record length, データ区分 order, 種別コード, digits, JIS X 0201, trailer totals).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from core.errors import ValidationError
from storage.files.csvread import LineError
from storage.files.zengin_fields import (
    ACCOUNT_TYPES,
    END_RECORD,
    KIND_LABEL,
    NEW_CODES,
    Encoder,
    RecordReader,
    header_record,
    join_records,
    layout,
    pack,
    parse_records,
)

__all__ = [
    "DESIGNATIONS",
    "FURIKOMI_DATA_FIELDS",
    "FURIKOMI_HEADER_FIELDS",
    "FURIKOMI_TRAILER_FIELDS",
    "FurikomiFile",
    "FurikomiFileHeader",
    "FurikomiHeader",
    "FurikomiItem",
    "read_furikomi",
    "write_furikomi",
]

KIND_CODE = "21"
#: 振込指定区分: " " 指定なし, "7" テレ振込.
DESIGNATIONS: dict[str, str] = {" ": "指定なし", "7": "テレ振込"}

FURIKOMI_HEADER_FIELDS = layout(
    ("kind", KIND_LABEL, 1), ("kind_code", "種別コード", 2), ("code_division", "コード区分", 1),
    ("requester_code", "依頼人コード", 10), ("requester_name", "依頼人名", 40), ("transfer_date", "取組日", 4),
    ("bank_code", "仕向銀行番号", 4), ("bank_name", "仕向銀行名", 15),
    ("branch_code", "仕向支店番号", 3), ("branch_name", "仕向支店名", 15),
    ("account_type", "預金種目", 1), ("account_number", "口座番号", 7), ("_dummy", "ダミー", 17),
)
FURIKOMI_DATA_FIELDS = layout(
    ("kind", KIND_LABEL, 1), ("bank_code", "被仕向銀行番号", 4), ("bank_name", "被仕向銀行名", 15),
    ("branch_code", "被仕向支店番号", 3), ("branch_name", "被仕向支店名", 15),
    ("clearing_house", "手形交換所番号", 4), ("account_type", "預金種目", 1), ("account_number", "口座番号", 7),
    ("payee_name", "受取人名", 30), ("amount", "振込金額", 10), ("new_code", "新規コード", 1),
    ("customer_code1", "顧客コード1", 10), ("customer_code2", "顧客コード2", 10),
    ("designation", "振込指定区分", 1), ("identification", "識別表示", 1), ("_dummy", "ダミー", 7),
)
FURIKOMI_TRAILER_FIELDS = layout(
    ("kind", KIND_LABEL, 1), ("count", "合計件数", 6), ("amount", "合計金額", 12), ("_dummy", "ダミー", 101),
)


@dataclass(frozen=True, slots=True)
class FurikomiHeader:
    """Header of a 総合振込 file (the municipality's paying account). Names may be any kana."""

    requester_code: str  # 依頼人コード, 10 digits
    requester_name: str  # 依頼人名
    transfer_date: date  # 取組日 (written as MMDD)
    bank_code: str  # 仕向銀行番号, 4 digits
    branch_code: str  # 仕向支店番号, 3 digits
    account_type: str  # "1" / "2"
    account_number: str  # 7 digits
    bank_name: str = ""
    branch_name: str = ""


@dataclass(frozen=True, slots=True)
class FurikomiItem:
    """One transfer. ``amount`` in yen, 1 ≤ amount < 10**10; customer codes ≤ 10 half-width chars."""

    bank_code: str
    branch_code: str
    account_type: str
    account_number: str
    payee_name: str  # 受取人名, any kana (converted to half-width)
    amount: int
    customer_code1: str = ""
    customer_code2: str = ""
    new_code: str = "0"
    designation: str = " "  # 振込指定区分
    bank_name: str = ""
    branch_name: str = ""


@dataclass(frozen=True, slots=True)
class FurikomiFileHeader:
    """Header as read back; ``transfer_mmdd`` because the file has no year."""

    requester_code: str
    requester_name: str
    transfer_mmdd: str
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str
    account_number: str


@dataclass(frozen=True, slots=True)
class FurikomiFile:
    """A read 総合振込 file; items hold the half-width names as written, trailing spaces removed."""

    header: FurikomiFileHeader
    items: tuple[FurikomiItem, ...]
    total_count: int
    total_amount: int


# --- writing ---------------------------------------------------------------------------


def write_furikomi(header: FurikomiHeader, items: Sequence[FurikomiItem]) -> bytes:
    """The 総合振込 file: header, data records, trailer, end; CR LF after each.

    Raises :class:`~core.errors.ValidationError` at the first bad value (``明細3件目``, 1-based).
    """
    if not items:
        raise ValidationError("総合振込の明細がありません", field="items")
    records = [_header_record(header)]
    for index, item in enumerate(items):
        records.append(_data_record(item, index))
    enc = Encoder(FURIKOMI_TRAILER_FIELDS, "トレーラー", "trailer")
    records.append(pack(FURIKOMI_TRAILER_FIELDS, {
        "kind": b"8", "count": enc.number("count", len(items)),
        "amount": enc.number("amount", sum(item.amount for item in items)),
    }))
    records.append(END_RECORD)
    return join_records(records)


def _header_record(header: FurikomiHeader) -> bytes:
    return header_record(
        FURIKOMI_HEADER_FIELDS, kind_code=KIND_CODE,
        party=("requester_code", header.requester_code, "requester_name", header.requester_name), day=("transfer_date", header.transfer_date),
        bank=(header.bank_code, header.bank_name, header.branch_code, header.branch_name),
        account=(header.account_type, header.account_number))


def _data_record(item: FurikomiItem, index: int) -> bytes:
    enc = Encoder(FURIKOMI_DATA_FIELDS, f"明細{index + 1}件目", f"items[{index}]")
    return pack(FURIKOMI_DATA_FIELDS, {
        "kind": b"2",
        "bank_code": enc.code("bank_code", item.bank_code),
        "bank_name": enc.name("bank_name", item.bank_name, required=False, truncate=True),
        "branch_code": enc.code("branch_code", item.branch_code),
        "branch_name": enc.name("branch_name", item.branch_name, required=False, truncate=True),
        "clearing_house": b"    ",
        "account_type": enc.choice("account_type", item.account_type, ACCOUNT_TYPES),
        "account_number": enc.code("account_number", item.account_number),
        "payee_name": enc.name("payee_name", item.payee_name, required=True),
        "amount": enc.number("amount", item.amount, positive=True),
        "new_code": enc.choice("new_code", item.new_code, NEW_CODES),
        "customer_code1": enc.text("customer_code1", item.customer_code1),
        "customer_code2": enc.text("customer_code2", item.customer_code2),
        "designation": enc.choice("designation", item.designation, DESIGNATIONS),
        "identification": b" ",
    })


# --- reading ---------------------------------------------------------------------------


def read_furikomi(data: bytes) -> FurikomiFile:
    """Read and check a whole 総合振込 file; raise one FileFormatError listing every problem."""
    parsed = parse_records(
        data,
        (FURIKOMI_HEADER_FIELDS, _read_header),
        (FURIKOMI_DATA_FIELDS, _read_item),
        (FURIKOMI_TRAILER_FIELDS, _read_trailer),
    )
    if parsed.trailer is not None:
        count, amount = parsed.trailer
        if count != parsed.data_count:
            parsed.errors.append(LineError(
                parsed.trailer_no, "合計件数", f"データ・レコードの件数（{parsed.data_count}件）と一致しません",
            ))
        if parsed.data_readable and amount != sum(item.amount for item in parsed.items):
            parsed.errors.append(LineError(
                parsed.trailer_no, "合計金額", "データ・レコードの振込金額の合計と一致しません",
            ))
    parsed.raise_if_errors()
    assert parsed.header is not None and parsed.trailer is not None
    return FurikomiFile(parsed.header, tuple(parsed.items), *parsed.trailer)


def _read_trailer(r: RecordReader) -> tuple[int, int]:
    return r.number("count"), r.number("amount")


def _read_header(r: RecordReader) -> FurikomiFileHeader:
    r.choice("kind_code", {KIND_CODE}, "種別コード")
    r.choice("code_division", {"0"}, "コード区分")
    return FurikomiFileHeader(
        requester_code=r.digits("requester_code"), requester_name=r.text("requester_name"),
        transfer_mmdd=r.mmdd("transfer_date"), bank_code=r.digits("bank_code"),
        bank_name=r.text("bank_name"), branch_code=r.digits("branch_code"),
        branch_name=r.text("branch_name"), account_type=r.choice("account_type", ACCOUNT_TYPES, "預金種目"),
        account_number=r.digits("account_number"),
    )


def _read_item(r: RecordReader) -> FurikomiItem:
    r.text("clearing_house")
    return FurikomiItem(
        bank_code=r.digits("bank_code"), bank_name=r.text("bank_name"),
        branch_code=r.digits("branch_code"), branch_name=r.text("branch_name"),
        account_type=r.choice("account_type", ACCOUNT_TYPES, "預金種目"),
        account_number=r.digits("account_number"), payee_name=r.text("payee_name"),
        amount=r.number("amount"), new_code=r.choice("new_code", NEW_CODES, "新規コード"),
        customer_code1=r.text("customer_code1"), customer_code2=r.text("customer_code2"),
        designation=r.choice("designation", DESIGNATIONS, "振込指定区分"),
    )
