"""The data of every printed document (SPEC §4.11, §8), plain and frozen.

Core builds these from the ledger; ``storage.documents`` renders them to PDF.
Amounts are whole yen, dates are :class:`datetime.date` (the renderer prints
them in 和暦 with separators). Names, addresses, postal codes, purposes and
property descriptions are personal data: no ``repr`` shows them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

__all__ = [
    "Issuer", "Addressee", "PeriodRow", "DunningNotice", "ReminderNotice", "CertificateLine", "TaxCertificate",
    "RefundNotice", "AppropriationLine", "AppropriationNotice", "ReceiptLine", "ReceiptDocument",
    "SeizureRecord", "Document", "Written", "DocumentWriter", "CERTIFICATE_KINDS", "DOCUMENT_TITLES",
    "DOCUMENT_FILE_KEYS", "CertificateIssue", "APPLICANT_KINDS", "ID_DOCUMENTS",
    "certificate_no",
]

#: 納税証明書の種類: key → label printed as the certificate's subtitle.
CERTIFICATE_KINDS: dict[str, str] = {
    "nozei": "納税証明",  # 税目・年度ごとの税額・納付済額・未納額
    "kanno": "完納証明",  # the chosen years are paid in full
    "mitai": "滞納なし証明",  # nothing delinquent as of the date
}

#: 申請者の区分.
APPLICANT_KINDS: dict[str, str] = {"self": "本人", "agent": "代理人"}

#: 本人確認書類 (the document the counter clerk checked).
ID_DOCUMENTS: dict[str, str] = {
    "mynumber_card": "マイナンバーカード",
    "driver_license": "運転免許証",
    "passport": "旅券",
    "residence_card": "在留カード",
    "insurance_card": "健康保険証等",
    "other": "その他",
}

#: Document kind → printed title.
DOCUMENT_TITLES: dict[str, str] = {
    "dunning": "督促状",
    "reminder": "催告書",
    "certificate": "納税証明書",
    "refund": "還付通知書",
    "appropriation": "充当通知書",
    "receipt": "領収証書",
    "seizure": "差押調書",
}

#: Document kind → the romanised stem of its file name (documents/tokusoku-….pdf).
DOCUMENT_FILE_KEYS: dict[str, str] = {
    "dunning": "tokusoku",
    "reminder": "saikoku",
    "certificate": "nozei-shomei",
    "refund": "kanpu-tsuchi",
    "appropriation": "juto-tsuchi",
    "receipt": "ryoshusho",
    "seizure": "sashiosae-chosho",
}


@dataclass(frozen=True, slots=True)
class Issuer:
    """Who issues: the municipality (名称, 団体コード), its head and the office to ask."""

    code: str  # 団体コード (6 digits with the check digit)
    name: str  # e.g. みなと市
    head: str  # e.g. みなと市長
    office: str  # e.g. 納税課
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Addressee:
    """The taxpayer a document is about or sent to."""

    atena_no: str
    name: str
    postal_code: str | None = None
    address: str | None = None
    corporation: bool = False

    def __repr__(self) -> str:
        return f"Addressee(atena_no={self.atena_no!r})"


@dataclass(frozen=True, slots=True)
class PeriodRow:
    """One 期別 with what it owes (or owed when the document was made)."""

    fiscal_year: int
    tax_name: str
    period: int
    notice_no: str
    due_date: date
    honzei: int
    entaikin: int = 0
    fee: int = 0

    @property
    def total(self) -> int:
        return self.honzei + self.entaikin + self.fee


@dataclass(frozen=True, slots=True)
class DunningNotice:
    """督促状 (地方税法329条①): one taxpayer's periods dunned on one issue date."""

    document_no: str
    issuer: Issuer
    addressee: Addressee
    issued_on: date
    designated_on: date  # 指定期限
    rows: tuple[PeriodRow, ...]  # honzei = 督促に係る本税, fee = 督促手数料
    public_notice: bool = False  # 公示送達

    kind = "dunning"

    @property
    def honzei_total(self) -> int:
        return sum(r.honzei for r in self.rows)

    @property
    def fee_total(self) -> int:
        return sum(r.fee for r in self.rows)

    @property
    def total(self) -> int:
        return self.honzei_total + self.fee_total

    def __repr__(self) -> str:
        return f"DunningNotice(document_no={self.document_no!r}, rows={len(self.rows)}, total={self.total})"


@dataclass(frozen=True, slots=True)
class ReminderNotice:
    """催告書: everything still owed on the date (延滞金 as of that date), to pay by 指定期限."""

    document_no: str
    issuer: Issuer
    addressee: Addressee
    issued_on: date
    designated_on: date  # 指定期限
    rows: tuple[PeriodRow, ...]
    case_id: int

    kind = "reminder"

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)

    def __repr__(self) -> str:
        return f"ReminderNotice(document_no={self.document_no!r}, case_id={self.case_id}, total={self.total})"


@dataclass(frozen=True, slots=True)
class CertificateLine:
    """年度 × 税目 on a 納税証明書."""

    fiscal_year: int
    tax_name: str
    assessed: int  # 税額（調定額）
    paid: int  # 納付済額（本税）
    unpaid: int  # 未納額（本税）
    other_unpaid: int = 0  # 延滞金・督促手数料の未納額


@dataclass(frozen=True, slots=True)
class TaxCertificate:
    """納税証明書 of one of :data:`CERTIFICATE_KINDS`."""

    certificate_no: str
    issuer: Issuer
    taxpayer: Addressee
    issued_on: date
    certificate_kind: str
    purpose: str
    fiscal_years: tuple[int, ...]
    lines: tuple[CertificateLine, ...]

    kind = "certificate"

    @property
    def label(self) -> str:
        return CERTIFICATE_KINDS[self.certificate_kind]

    def __repr__(self) -> str:
        return (f"TaxCertificate(certificate_no={self.certificate_no!r}, kind={self.certificate_kind!r}, "
                f"years={self.fiscal_years})")


@dataclass(frozen=True, slots=True)
class CertificateIssue:
    """One 納税証明書 issued (発行履歴). Applicant name and purpose are personal data."""

    id: int
    certificate_no: str
    taxpayer_id: int
    certificate_kind: str
    issued_on: date
    fiscal_years: tuple[int, ...]
    applicant_kind: str
    applicant_name: str
    purpose: str
    id_document: str
    checked_by: str
    terminal: str | None
    file_name: str | None
    sha256: str | None

    @property
    def label(self) -> str:
        return CERTIFICATE_KINDS[self.certificate_kind]

    @property
    def applicant_label(self) -> str:
        return APPLICANT_KINDS[self.applicant_kind]

    @property
    def id_document_label(self) -> str:
        return ID_DOCUMENTS[self.id_document]

    def __repr__(self) -> str:
        return f"CertificateIssue(id={self.id}, kind={self.certificate_kind!r}, issued_on={self.issued_on})"


def certificate_no(certificate_id: int, issued_on: date) -> str:
    """証明書番号: the issue year and the record id, e.g. ``2025-000012``."""
    return f"{issued_on.year}-{certificate_id:06d}"


@dataclass(frozen=True, slots=True)
class RefundNotice:
    """還付通知書 (地方税法17条): the 過誤納 and how and when it is paid back."""

    document_no: str
    issuer: Issuer
    addressee: Addressee
    issued_on: date
    cause: str  # 減額更正, 二重納付 …
    overpaid: int
    arisen_on: date
    appropriated: int  # already applied to debts (充当)
    amount: int  # 還付金
    kasankin: int  # 還付加算金
    method: str  # 還付の方法
    pay_on: date
    account: str | None = None  # bank, branch and a masked account number

    kind = "refund"

    @property
    def total(self) -> int:
        return self.amount + self.kasankin

    def __repr__(self) -> str:
        return f"RefundNotice(document_no={self.document_no!r}, amount={self.amount}, kasankin={self.kasankin})"


@dataclass(frozen=True, slots=True)
class AppropriationLine:
    fiscal_year: int
    tax_name: str
    period: int
    notice_no: str
    appropriated_on: date  # 充当適状日
    honzei: int
    entaikin: int
    fee: int
    kasankin: int

    @property
    def total(self) -> int:
        return self.honzei + self.entaikin + self.fee


@dataclass(frozen=True, slots=True)
class AppropriationNotice:
    """充当通知書 (地方税法17条の2): which debts the 過誤納 paid."""

    document_no: str
    issuer: Issuer
    addressee: Addressee
    issued_on: date
    cause: str
    overpaid: int
    arisen_on: date
    lines: tuple[AppropriationLine, ...]
    remaining: int  # left for a refund

    kind = "appropriation"

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)

    def __repr__(self) -> str:
        return f"AppropriationNotice(document_no={self.document_no!r}, lines={len(self.lines)}, total={self.total})"


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    fiscal_year: int
    tax_name: str
    period: int
    notice_no: str
    honzei: int
    entaikin: int
    fee: int

    @property
    def total(self) -> int:
        return self.honzei + self.entaikin + self.fee


@dataclass(frozen=True, slots=True)
class ReceiptDocument:
    """領収証書 of a counter payment (窓口収納)."""

    receipt_no: str
    issuer: Issuer
    payer: Addressee
    received_on: date
    lines: tuple[ReceiptLine, ...]
    amount: int
    operator: str
    terminal: str | None
    received: int | None = None  # 預り金 (known when printed at the counter)
    change: int | None = None

    kind = "receipt"

    @property
    def document_no(self) -> str:
        return self.receipt_no

    def __repr__(self) -> str:
        return f"ReceiptDocument(receipt_no={self.receipt_no!r}, amount={self.amount})"


@dataclass(frozen=True, slots=True)
class SeizureRecord:
    """差押調書 (国税徴収法54条, 地方税法331条⑥): the property seized and the taxes it secures."""

    document_no: str
    issuer: Issuer
    taxpayer: Addressee
    made_on: date
    kind_label: str  # 差押 / 参加差押
    seized_on: date
    property_kind: str  # 預金, 給与 …
    property: str  # 財産の表示
    estimate: int | None  # 見積価額
    rows: tuple[PeriodRow, ...]  # 滞納税額 as of the 差押日
    collector: str  # 徴収職員
    approved_by: str | None

    kind = "seizure"

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)

    def __repr__(self) -> str:
        return f"SeizureRecord(document_no={self.document_no!r}, rows={len(self.rows)}, total={self.total})"


Document = (DunningNotice | ReminderNotice | TaxCertificate | RefundNotice | AppropriationNotice | ReceiptDocument
            | SeizureRecord)


@dataclass(frozen=True, slots=True)
class Written:
    """What a :class:`DocumentWriter` wrote: the PDF (and the index CSV of a batch)."""

    file_name: str
    documents: int
    pages: int
    sha256: str
    index_file: str | None = None
    index_sha256: str | None = None


class DocumentWriter(Protocol):
    """Renders documents into one PDF in the data directory's ``documents/`` (storage implements it)."""

    def write(self, kind: str, key: str, documents: Iterable[Document], *, total: int | None = None,
              index: bool = False) -> Written:
        """Render *documents* (consumed once, one at a time) into a new file; *key* (a date or an
        id) goes into the file name; *index*: also write the printing contractor's CSV."""
        ...

    def discard(self, written: Written) -> None:
        """Remove the files of *written* (the transaction that audits them failed)."""
        ...
