"""納税催告センター — the outsourced call centre's 催告対象 and 折衝記録 (SPEC §7).

Each month the 催告対象 go out as :class:`CallTarget` rows; the centre answers with one
:class:`CallRecord` per call, SMS or incoming call, later stored on the case record.
Names, phone numbers and call notes are personal data: the reprs show only keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

__all__ = ["COUNTERPART_LABELS", "DIRECTION_LABELS", "RESULT_LABELS", "CallRecord", "CallTarget"]

#: 区分: code → Japanese label.
DIRECTION_LABELS: dict[str, str] = {"outbound": "架電", "inbound": "受電", "sms": "SMS"}
#: 結果: code → Japanese label.
RESULT_LABELS: dict[str, str] = {
    "talked": "通話", "no_answer": "不在", "wrong_number": "番号違い", "promise": "納付約束",
    "refused": "拒否", "message": "伝言",
}
#: 相手: code → Japanese label.
COUNTERPART_LABELS: dict[str, str] = {
    "self": "本人", "family": "家族", "agent": "代理人", "employer": "勤務先", "other": "その他",
}


@dataclass(frozen=True, slots=True)
class CallTarget:
    """One 催告対象 sent to the centre: a case with its taxpayer and arrears."""

    case_no: int
    atena_no: str
    name_kana: str
    phone: str | None
    total_due: int  # 滞納額 (yen)
    periods: int  # 期別数
    oldest_due: date  # 最古納期限
    officer: str | None  # 担当者

    def __repr__(self) -> str:  # personal values stay out of logs, tracebacks and crash screens
        return f"CallTarget(case_no={self.case_no})"


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One 折衝記録 line from the centre (codes as in the ``*_LABELS`` tables)."""

    record_key: str  # 記録キー: the centre's own id, unique in a file
    case_no: int
    atena_no: str
    called_at: datetime  # aware, Asia/Tokyo
    direction: str  # DIRECTION_LABELS key
    result: str  # RESULT_LABELS key
    counterpart: str | None  # COUNTERPART_LABELS key
    content: str | None
    promised_on: date | None  # always set when result is "promise"
    promised_amount: int | None

    def __repr__(self) -> str:  # personal values stay out of logs, tracebacks and crash screens
        return f"CallRecord(record_key={self.record_key!r}, case_no={self.case_no})"
