"""全銀協 預金口座振替 (種別コード 91): the 請求 file we write and the 結果 file we read.

Offsets are 0-based byte positions in the 120-byte record (see
:mod:`storage.files.zengin_fields` for encoding, padding and error rules)::

    Header (データ区分 "1")            Data (データ区分 "2")
      0 データ区分       1 "1"           0 データ区分       1 "2"
      1 種別コード       2 "91"          1 引落銀行番号     4
      3 コード区分       1 "0" (JIS)     5 引落銀行名      15 (cut to width)
      4 委託者コード    10              20 引落支店番号     3
     14 委託者名        40              23 引落支店名      15 (cut to width)
     54 引落日           4 MMDD         38 ダミー           4
     58 取引銀行番号     4              42 預金種目         1 "1" 普通 / "2" 当座
     62 取引銀行名      15 (cut)        43 口座番号         7
     77 取引支店番号     3              50 預金者名        30
     80 取引支店名      15 (cut)        80 引落金額        10
     95 預金種目         1              90 新規コード       1 "0" / "1" 新規 / "2" 変更
     96 口座番号         7              91 顧客番号        20 (our key of the 期別)
    103 ダミー          17             111 振替結果コード   1 ("0" in a 請求 file)
                                       112 ダミー           8
    Trailer (データ区分 "8")           End (データ区分 "9")
      1 合計件数 6, 7 合計金額 12,       1 ダミー 119
     19 振替済件数 6, 25 振替済金額 12,
     37 振替不能件数 6, 43 振替不能金額 12, 55 ダミー 65

In a 請求 file the 振替済/振替不能 fields are zero and every 振替結果コード is
"0"; the bank returns the same file with the codes (:data:`RESULT_CODES`) and
the trailer filled in. :func:`read_transfer_result` checks the whole file,
trailer totals included, before returning anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    Parsed,
    RecordReader,
    header_record,
    join_records,
    layout,
    pack,
    parse_records,
)

__all__ = [
    "bank_result",
    "HEADER_FIELDS",
    "DATA_FIELDS",
    "TRAILER_FIELDS",
    "RESULT_CODES",
    "TransferHeader",
    "TransferItem",
    "TransferResult",
    "TransferResultHeader",
    "TransferResultItem",
    "TransferTotals",
    "read_transfer_result",
    "write_transfer_request",
]

KIND_CODE = "91"

#: 振替結果コード → label.
RESULT_CODES: dict[str, str] = {
    "0": "振替済",
    "1": "資金不足",
    "2": "預金取引なし",
    "3": "預金者の都合による振替停止",
    "4": "預金口座振替依頼書なし",
    "8": "委託者の都合による振替停止",
    "9": "その他",
}

HEADER_FIELDS = layout(
    ("kind", KIND_LABEL, 1), ("kind_code", "種別コード", 2), ("code_division", "コード区分", 1),
    ("consignor_code", "委託者コード", 10), ("consignor_name", "委託者名", 40), ("debit_date", "引落日", 4),
    ("bank_code", "取引銀行番号", 4), ("bank_name", "取引銀行名", 15),
    ("branch_code", "取引支店番号", 3), ("branch_name", "取引支店名", 15),
    ("account_type", "預金種目", 1), ("account_number", "口座番号", 7), ("_dummy", "ダミー", 17),
)
DATA_FIELDS = layout(
    ("kind", KIND_LABEL, 1), ("bank_code", "引落銀行番号", 4), ("bank_name", "引落銀行名", 15),
    ("branch_code", "引落支店番号", 3), ("branch_name", "引落支店名", 15), ("_dummy1", "ダミー", 4),
    ("account_type", "預金種目", 1), ("account_number", "口座番号", 7), ("payer_name", "預金者名", 30),
    ("amount", "引落金額", 10), ("new_code", "新規コード", 1), ("customer_number", "顧客番号", 20),
    ("result_code", "振替結果コード", 1), ("_dummy2", "ダミー", 8),
)
TRAILER_FIELDS = layout(
    ("kind", KIND_LABEL, 1), ("count", "合計件数", 6), ("amount", "合計金額", 12),
    ("transferred_count", "振替済件数", 6), ("transferred_amount", "振替済金額", 12),
    ("failed_count", "振替不能件数", 6), ("failed_amount", "振替不能金額", 12), ("_dummy", "ダミー", 65),
)


@dataclass(frozen=True, slots=True)
class TransferHeader:
    """Header of a 請求 file. Names may be any kana; bank/branch names are cut to 15."""

    consignor_code: str  # 委託者コード, 10 digits
    consignor_name: str  # 委託者名
    debit_date: date  # 引落日 (written as MMDD)
    bank_code: str  # 取引銀行番号, 4 digits
    branch_code: str  # 取引支店番号, 3 digits
    account_type: str  # 預金種目 "1" / "2"
    account_number: str  # 口座番号, 7 digits
    bank_name: str = ""
    branch_name: str = ""


@dataclass(frozen=True, slots=True)
class TransferItem:
    """One 引落 request. ``amount`` in yen, 1 ≤ amount < 10**10."""

    bank_code: str  # 4 digits
    branch_code: str  # 3 digits
    account_type: str  # "1" 普通 / "2" 当座
    account_number: str  # 7 digits
    payer_name: str  # 預金者名, any kana (converted to half-width)
    amount: int
    customer_number: str  # 顧客番号, ≤ 20 half-width characters (trailing spaces are lost on reading)
    new_code: str = "0"
    bank_name: str = ""
    branch_name: str = ""


@dataclass(frozen=True, slots=True)
class TransferResultHeader:
    """Header of a 結果 file as read; names are half-width kana, trailing spaces removed."""

    consignor_code: str
    consignor_name: str
    debit_mmdd: str  # 引落日 MMDD (the file has no year)
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str
    account_number: str


@dataclass(frozen=True, slots=True)
class TransferResultItem:
    """One data record of a 結果 file; ``record_no`` is its 1-based record number."""

    record_no: int
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str
    account_number: str
    payer_name: str
    amount: int
    new_code: str
    customer_number: str
    result_code: str

    @property
    def result_label(self) -> str:
        return RESULT_CODES[self.result_code]

    @property
    def transferred(self) -> bool:
        return self.result_code == "0"


@dataclass(frozen=True, slots=True)
class TransferTotals:
    """Trailer of a 91 file."""

    count: int
    amount: int
    transferred_count: int
    transferred_amount: int
    failed_count: int
    failed_amount: int


@dataclass(frozen=True, slots=True)
class TransferResult:
    header: TransferResultHeader
    items: tuple[TransferResultItem, ...]
    totals: TransferTotals


# --- writing ---------------------------------------------------------------------------


def write_transfer_request(header: TransferHeader, items: Sequence[TransferItem]) -> bytes:
    """The 請求 file: header, one data record per item, trailer, end; CR LF after each.

    Raises :class:`~core.errors.ValidationError` at the first bad value, naming
    the record (``明細3件目``, 1-based; ``field`` is ``items[2].payer_name``).
    """
    if not items:
        raise ValidationError("口座振替の明細がありません", field="items")
    records = [_header_record(header)]
    for index, item in enumerate(items):
        records.append(_data_record(item, index))
    count, total = len(items), sum(item.amount for item in items)
    enc = Encoder(TRAILER_FIELDS, "トレーラー", "trailer")
    records.append(pack(TRAILER_FIELDS, {
        "kind": b"8", "count": enc.number("count", count), "amount": enc.number("amount", total),
        "transferred_count": b"0" * 6, "transferred_amount": b"0" * 12,
        "failed_count": b"0" * 6, "failed_amount": b"0" * 12,
    }))
    records.append(END_RECORD)
    return join_records(records)


def _header_record(header: TransferHeader) -> bytes:
    return header_record(
        HEADER_FIELDS, kind_code=KIND_CODE,
        party=("consignor_code", header.consignor_code, "consignor_name", header.consignor_name), day=("debit_date", header.debit_date),
        bank=(header.bank_code, header.bank_name, header.branch_code, header.branch_name),
        account=(header.account_type, header.account_number))


def _data_record(item: TransferItem, index: int) -> bytes:
    enc = Encoder(DATA_FIELDS, f"明細{index + 1}件目", f"items[{index}]")
    return pack(DATA_FIELDS, {
        "kind": b"2",
        "bank_code": enc.code("bank_code", item.bank_code),
        "bank_name": enc.name("bank_name", item.bank_name, required=False, truncate=True),
        "branch_code": enc.code("branch_code", item.branch_code),
        "branch_name": enc.name("branch_name", item.branch_name, required=False, truncate=True),
        "account_type": enc.choice("account_type", item.account_type, ACCOUNT_TYPES),
        "account_number": enc.code("account_number", item.account_number),
        "payer_name": enc.name("payer_name", item.payer_name, required=True),
        "amount": enc.number("amount", item.amount, positive=True),
        "new_code": enc.choice("new_code", item.new_code, NEW_CODES),
        "customer_number": enc.text("customer_number", item.customer_number),
        "result_code": b"0",
    })


def bank_result(request: bytes, codes: Mapping[str, str]) -> bytes:
    """What the bank sends back for a 請求 file: every data record with its 振替結果コード
    (by 顧客番号; "0" 振替済 where none is given) and the trailer's 振替済 / 振替不能 counts and
    amounts. For the demo, the tests and the benchmarks — nozei itself only reads results."""
    out: list[bytes] = []
    done = done_amount = failed = failed_amount = 0
    for record in request[:-2].split(b"\r\n"):
        if record[:1] == b"2":
            code = codes.get(record[91:111].decode("ascii").strip(), "0").encode("ascii")
            record = record[:111] + code + record[112:]
            amount = int(record[80:90])
            if code == b"0":
                done, done_amount = done + 1, done_amount + amount
            else:
                failed, failed_amount = failed + 1, failed_amount + amount
        elif record[:1] == b"8":
            record = (record[:19] + f"{done:06d}{done_amount:012d}{failed:06d}{failed_amount:012d}".encode("ascii")
                      + record[55:])
        out.append(record)
    return b"".join(r + b"\r\n" for r in out)


# --- reading ---------------------------------------------------------------------------


def read_transfer_result(data: bytes) -> TransferResult:
    """Read and check a whole 結果 file; raise one FileFormatError listing every problem."""
    parsed = parse_records(
        data, (HEADER_FIELDS, _read_header), (DATA_FIELDS, _read_item), (TRAILER_FIELDS, _read_trailer),
    )
    if parsed.trailer is not None:
        _check_totals(parsed)
    parsed.raise_if_errors()
    assert parsed.header is not None and parsed.trailer is not None
    return TransferResult(parsed.header, tuple(parsed.items), parsed.trailer)


def _read_header(r: RecordReader) -> TransferResultHeader:
    r.choice("kind_code", {KIND_CODE}, "種別コード")
    r.choice("code_division", {"0"}, "コード区分")
    return TransferResultHeader(
        consignor_code=r.digits("consignor_code"), consignor_name=r.text("consignor_name"),
        debit_mmdd=r.mmdd("debit_date"), bank_code=r.digits("bank_code"), bank_name=r.text("bank_name"),
        branch_code=r.digits("branch_code"), branch_name=r.text("branch_name"),
        account_type=r.choice("account_type", ACCOUNT_TYPES, "預金種目"),
        account_number=r.digits("account_number"),
    )


def _read_item(r: RecordReader) -> TransferResultItem:
    return TransferResultItem(
        record_no=r.no,
        bank_code=r.digits("bank_code"), bank_name=r.text("bank_name"),
        branch_code=r.digits("branch_code"), branch_name=r.text("branch_name"),
        account_type=r.choice("account_type", ACCOUNT_TYPES, "預金種目"),
        account_number=r.digits("account_number"), payer_name=r.text("payer_name"),
        amount=r.number("amount"), new_code=r.choice("new_code", NEW_CODES, "新規コード"),
        customer_number=r.text("customer_number"),
        result_code=r.choice("result_code", RESULT_CODES, "振替結果コード"),
    )


def _read_trailer(r: RecordReader) -> TransferTotals:
    return TransferTotals(*(r.number(key) for key in (
        "count", "amount", "transferred_count", "transferred_amount", "failed_count", "failed_amount",
    )))


def _check_totals(parsed: Parsed[TransferResultHeader, TransferResultItem, TransferTotals]) -> None:
    """Trailer against the data records; amounts only when every data record was readable."""
    totals = parsed.trailer
    assert totals is not None

    def mismatch(key: str, what: str) -> None:
        parsed.errors.append(LineError(parsed.trailer_no, TRAILER_FIELDS[key].label, f"{what}と一致しません"))

    if totals.count != parsed.data_count:
        mismatch("count", f"データ・レコードの件数（{parsed.data_count}件）")
    if not parsed.data_readable:
        return
    items = parsed.items
    done = [item for item in items if item.transferred]
    failed = [item for item in items if not item.transferred]
    if totals.amount != sum(item.amount for item in items):
        mismatch("amount", "データ・レコードの引落金額の合計")
    if totals.transferred_count != len(done):
        mismatch("transferred_count", f"振替結果コード0のデータ・レコードの件数（{len(done)}件）")
    if totals.transferred_amount != sum(item.amount for item in done):
        mismatch("transferred_amount", "振替結果コード0のデータ・レコードの引落金額の合計")
    if totals.failed_count != len(failed):
        mismatch("failed_count", f"振替結果コード0以外のデータ・レコードの件数（{len(failed)}件）")
    if totals.failed_amount != sum(item.amount for item in failed):
        mismatch("failed_amount", "振替結果コード0以外のデータ・レコードの引落金額の合計")
