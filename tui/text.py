"""Display helpers for screens: yen, 和暦 dates, and neutralising stored text."""

from __future__ import annotations

import unicodedata
from datetime import date

from core.dates import format_wareki
from tui.i18n import N_

__all__ = ["yen", "wareki", "safe", "file_label", "WORD_JOINER", "CHANNEL_LABELS", "CAUSE_LABELS", "OVERPAYMENT_STATES", "REFUND_STATES",
           "REFUND_METHODS", "CERTIFICATE_KINDS"]

#: Labels (translated when shown with ``_()``).
CHANNEL_LABELS: dict[str, str] = {
    "counter": N_("窓口"), "bank": N_("金融機関"), "convenience": N_("コンビニ"), "transfer": N_("口座振替"),
    "eltax": N_("eLTAX"), "smartphone": N_("スマホ決済"), "seizure": N_("滞納処分"), "offset": N_("充当"),
}
CAUSE_LABELS: dict[str, str] = {
    "gengaku": N_("減額更正"), "torikeshi": N_("賦課取消"), "double": N_("二重納付"), "gono": N_("誤納"),
    "kano": N_("過納"), "seikyu": N_("更正の請求"),
}
OVERPAYMENT_STATES: dict[str, str] = {"open": N_("未処理"), "settled": N_("処理済"), "cancelled": N_("取消")}
REFUND_STATES: dict[str, str] = {"drafted": N_("起案"), "approved": N_("決裁済"), "paid": N_("支出済"),
                                 "notified": N_("通知済"), "cancelled": N_("取消")}
CERTIFICATE_KINDS: dict[str, str] = {"nozei": N_("納税証明"), "kanno": N_("完納証明"), "mitai": N_("滞納なし証明")}
REFUND_METHODS: dict[str, str] = {"registered": N_("登録口座"), "submitted": N_("依頼書の口座"),
                                  "koukin": N_("公金受取口座"), "cash": N_("窓口現金")}


def yen(amount: int) -> str:
    return f"{amount:,}"


def wareki(day: date | None) -> str:
    return format_wareki(day, short=True) if day is not None else ""


#: Invisible and zero-width: put after ``[`` it stops Rich reading a markup tag there.
WORD_JOINER = "\u2060"


def safe(text: str | None) -> str:
    """Stored text shown neutralised: control and format characters (escape sequences,
    bidi marks, newlines) become visible placeholders, and markup is defused.

    A DataTable reads every ``str`` cell as Rich markup, so a name such as
    ``[bold red]x[/]`` would be styled and ``x[/]`` would crash the screen. A
    (zero-width) word joiner after ``[`` — and between ``\\`` and ``[`` — keeps
    Rich from seeing a tag or an escape; the text looks exactly as stored. ``[``
    before a digit is left alone: no Rich tag starts with a digit. Textual's own
    markup (``Static``'s default) is stricter: show stored text in a ``Static``
    with ``markup=False``.
    """
    if not text:
        return ""
    out = []
    for index, ch in enumerate(text):
        cat = unicodedata.category(ch)
        out.append("␣" if ch in "\n\r\t" else "�" if cat in ("Cc", "Cf", "Zl", "Zp") else ch)
        after = text[index + 1 : index + 2]
        if (ch == "[" and not (after.isascii() and after.isdigit())) or (ch == "\\" and after == "["):
            out.append(WORD_JOINER)
    return "".join(out)


def file_label(path: object) -> str:
    """A file's name as it may be stored and logged: bytes that are not UTF-8 (the
    operating system hands them over as lone surrogates) become ``\\xNN``, control
    characters are dropped, so a hostile name can never break the audit chain's JSON."""
    name = str(getattr(path, "name", path))
    cleaned = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(ch for ch in cleaned if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))[:200]
