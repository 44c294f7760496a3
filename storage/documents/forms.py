"""The A4 layouts of the documents: each ``render_*`` draws one document on as many pages
as its rows need (the first page carries the totals and the notes; more rows go on
continuation pages) and returns the number of pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from core.documents.model import (
    AppropriationNotice,
    DunningNotice,
    Issuer,
    PeriodRow,
    ReceiptDocument,
    RefundNotice,
    ReminderNotice,
    SeizureRecord,
    TaxCertificate,
)
from storage.documents.layout import LEFT, PAGE_W, RIGHT, SEAL_RED, Column, Sheet, nendo, short_date, wareki, yen

__all__ = ["RENDERERS", "NewPage", "appeal_text"]

#: Starts page *n* of *pages* of the current document and returns it to draw on.
NewPage = Callable[[int, int], Sheet]
WIDTH = RIGHT - LEFT
_CONT_TOP = 42.0
_CONT_ROWS = 34


def appeal_text(issuer: Issuer) -> str:
    """不服申立ての教示 (行政不服審査法82条, 行政事件訴訟法46条; 地方税法19条の12 審査請求前置)."""
    return (f"この処分に不服がある場合は、この処分があったことを知った日の翌日から起算して3か月以内に、"
            f"{issuer.head}に対して審査請求をすることができます。この処分の取消しの訴えは、審査請求に対する裁決が"
            f"あったことを知った日の翌日から起算して6か月以内に、{issuer.name}を被告として（訴訟において"
            f"{issuer.name}を代表する者は{issuer.head}となります。）提起することができます。ただし、審査請求をせずに"
            f"取消しの訴えを提起することはできません（地方税法第19条の12）。")


def _zei(issuer: Issuer) -> str:
    """市税 / 町税 / 村税 / 区税, after the municipality's name."""
    return f"{issuer.name[-1]}税" if issuer.name[-1:] in ("市", "町", "村", "区") else "市税"


def _split(rows: Sequence[Any], first: int) -> list[Sequence[Any]]:
    """Rows per page: *first* on page 1, then :data:`_CONT_ROWS` per continuation page."""
    parts: list[Sequence[Any]] = [rows[:first]]
    rest = rows[first:]
    while rest:
        parts.append(rest[:_CONT_ROWS])
        rest = rest[_CONT_ROWS:]
    return parts


def _continuations(new_page: NewPage, parts: list[Sequence[Any]], issuer: Issuer, document_no: str, title: str,
                   who: str, columns: Sequence[Column], cells: Callable[[Any], list[str]]) -> None:
    for n, part in enumerate(parts[1:], start=2):
        s = new_page(n, len(parts))
        s.text(PAGE_W / 2, 25, f"{title}（続き）", size=14, heading=True, align="center")
        s.text(LEFT, 35, f"{who}　様", size=10, max_width=110)
        s.text(RIGHT, 35, f"文書番号　{document_no}", size=8.5, align="right")
        s.table(LEFT, _CONT_TOP, columns, [cells(r) for r in part])
        s.footer(issuer, document_no)


def _more(parts: list[Sequence[Any]], columns: Sequence[Column]) -> list[str]:
    """A row saying the list goes on, when it does."""
    if len(parts) < 2:
        return []
    rest = sum(len(p) for p in parts[1:])
    return [f"（ほか{rest}件は次ページ以降に記載しています。合計はすべての期別の合計です）"]


def _total_box(s: Sheet, y: float, left: tuple[str, str], right: tuple[str, str]) -> float:
    """Two framed figures side by side (e.g. 指定期限 and the amount to pay)."""
    half = WIDTH / 2 - 2
    for i, (label, value) in enumerate((left, right)):
        x = LEFT + i * (half + 4)
        s.box(x, y, half, 17, width=0.9)
        s.text(x + 3, y + 5.2, label, size=8.8, heading=True, max_width=half - 6)
        s.text(x + half - 4, y + 13.6, value, size=15, heading=True, align="right", max_width=half - 8)
    return y + 17


# -- 督促状 ---------------------------------------------------------------------------------------------

_DUNNING_COLS = (Column("年度", 22, "center"), Column("税目", 40), Column("期別", 12, "center"),
                 Column("通知書番号", 32, "center"), Column("納期限", 18, "center"),
                 Column("督促税額（円）", 24, "right"), Column("督促手数料（円）", 22, "right"))


def _dunning_cells(r: PeriodRow) -> list[str]:
    return [nendo(r.fiscal_year), r.tax_name, f"第{r.period}期", r.notice_no, short_date(r.due_date), yen(r.honzei),
            yen(r.fee)]


def render_dunning(new_page: NewPage, d: DunningNotice) -> int:
    zei = _zei(d.issuer)
    parts = _split(d.rows, 10)
    s = new_page(1, len(parts))
    s.addressee(d.addressee)
    s.issuer(d.issuer, document_no=d.document_no, on=d.issued_on)
    y = s.title(76, "督促状", subtitle="（公示送達）" if d.public_notice else None)
    y = s.paragraph(LEFT, y + 1, WIDTH, f"あなたの下記の{zei}は、納期限までに納付されていません。"
                    "地方税法の規定により督促しますので、指定期限までに納付してください。なお、この督促状と行き違いに納付された場合は、ご容赦ください。")
    y = _total_box(s, y + 2, ("指定期限", wareki(d.designated_on)),
                   ("納付すべき金額（督促税額＋督促手数料）", f"{d.total:,}円"))
    y = s.table(LEFT, y + 4, _DUNNING_COLS, [_dunning_cells(r) for r in parts[0]] + _more(parts, _DUNNING_COLS),
                totals=["合計", f"{len(d.rows)}件", "", "", "", yen(d.honzei_total), yen(d.fee_total)])
    y = s.paragraph(LEFT, y + 2, WIDTH, "このほか、延滞金を納付していただく場合があります。"
                    "延滞金は納期限の翌日から納付の日までの日数に応じて計算しますので、納付の際に担当へお問い合わせください。", size=8.4)
    y = s.notice(LEFT, y + 2, WIDTH, "滞納処分について",
                 f"この督促状を発した日（{wareki(d.issued_on)}）から起算して10日を経過した日までに完納されないときは、"
                 "地方税法第331条第1項（市町村民税。固定資産税は第373条第1項など、税目ごとに同様の規定があります）"
                 "の規定により、財産の差押えを受けることになります。", frame=SEAL_RED)
    s.notice(LEFT, y + 2, WIDTH, "不服申立てについて（教示）", appeal_text(d.issuer), size=7.8)
    s.footer(d.issuer, d.document_no)
    _continuations(new_page, parts, d.issuer, d.document_no, "督促状", d.addressee.name, _DUNNING_COLS,
                   _dunning_cells)
    return len(parts)


# -- 催告書 ---------------------------------------------------------------------------------------------

_OWED_COLS = (Column("年度", 19, "center"), Column("税目", 34), Column("期別", 10, "center"),
              Column("通知書番号", 27, "center"), Column("納期限", 16, "center"), Column("本税", 18, "right"),
              Column("延滞金", 16, "right"), Column("手数料", 12, "right"), Column("計（円）", 18, "right"))


def _owed_cells(r: PeriodRow) -> list[str]:
    return [nendo(r.fiscal_year), r.tax_name, f"第{r.period}期", r.notice_no, short_date(r.due_date), yen(r.honzei),
            yen(r.entaikin), yen(r.fee), yen(r.total)]


def _owed_totals(rows: Sequence[PeriodRow]) -> list[str]:
    return ["合計", f"{len(rows)}件", "", "", "", yen(sum(r.honzei for r in rows)),
            yen(sum(r.entaikin for r in rows)), yen(sum(r.fee for r in rows)), yen(sum(r.total for r in rows))]


def render_reminder(new_page: NewPage, d: ReminderNotice) -> int:
    zei = _zei(d.issuer)
    parts = _split(d.rows, 12)
    s = new_page(1, len(parts))
    s.addressee(d.addressee)
    s.issuer(d.issuer, document_no=d.document_no, on=d.issued_on)
    y = s.title(76, "催告書")
    y = s.paragraph(LEFT, y + 1, WIDTH, f"あなたの下記の{zei}は、督促状により納付をお願いしましたが、まだ納付されていません。"
                    "指定期限までに必ず納付してください。納付が困難な事情がある場合は、指定期限までに必ず担当へご相談ください。")
    y = _total_box(s, y + 2, ("指定期限", wareki(d.designated_on)),
                   (f"未納の合計額（{wareki(d.issued_on)}現在）", f"{d.total:,}円"))
    y = s.table(LEFT, y + 4, _OWED_COLS, [_owed_cells(r) for r in parts[0]] + _more(parts, _OWED_COLS),
                totals=_owed_totals(d.rows))
    y = s.paragraph(LEFT, y + 2, WIDTH, f"延滞金は{wareki(d.issued_on)}現在の額です。納付の日によって変わりますので、"
                    "納付の際に担当へお問い合わせください。", size=8.4)
    s.notice(LEFT, y + 2, WIDTH, "ご注意ください",
             "指定期限までに納付又は納付についての相談がない場合は、地方税法及び国税徴収法の規定により、"
             "預貯金・給与・不動産などの財産の差押えを行います。差し押さえた財産は、取立て又は公売により換価し、"
             f"滞納している{zei}に充てます。", frame=SEAL_RED)
    s.footer(d.issuer, d.document_no)
    _continuations(new_page, parts, d.issuer, d.document_no, "催告書", d.addressee.name, _OWED_COLS, _owed_cells)
    return len(parts)


# -- 納税証明書 -----------------------------------------------------------------------------------------

_CERT_COLS = (Column("年度", 24, "center"), Column("税目", 46), Column("税額（円）", 25, "right"),
              Column("納付済額（円）", 25, "right"), Column("未納額（円）", 25, "right"),
              Column("延滞金等（円）", 25, "right"))


def _cert_cells(line: Any) -> list[str]:
    return [nendo(line.fiscal_year), line.tax_name, yen(line.assessed), yen(line.paid), yen(line.unpaid),
            yen(line.other_unpaid)]


def render_certificate(new_page: NewPage, d: TaxCertificate) -> int:
    zei = _zei(d.issuer)
    parts = _split(d.lines, 14)
    s = new_page(1, len(parts))
    s.text(RIGHT, 20, f"証明書番号　第 {d.certificate_no} 号", size=9, align="right")
    y = s.title(38, "納税証明書", subtitle=f"（{d.label}）", size=22)
    years = "・".join(nendo(y) for y in d.fiscal_years) if d.fiscal_years else f"{wareki(d.issued_on)}現在"
    y = s.fields(LEFT, y + 4, [
        ("住所（所在地）", d.taxpayer.address or ""),
        ("氏名（名称）", d.taxpayer.name),
        ("宛名番号", d.taxpayer.atena_no),
        ("使用目的", d.purpose),
        ("証明する年度" if d.fiscal_years else "証明の基準日", years),
    ])
    if d.certificate_kind == "mitai":
        statement = (f"上記の者について、{wareki(d.issued_on)}現在、納期限の到来した{d.issuer.name}の{zei}"
                     "（延滞金及び督促手数料を含む。）に滞納がないことを証明します。")
    else:
        y = s.table(LEFT, y + 6, _CERT_COLS, [_cert_cells(line) for line in parts[0]] + _more(parts, _CERT_COLS),
                    totals=["合計", "", yen(sum(x.assessed for x in d.lines)), yen(sum(x.paid for x in d.lines)),
                            yen(sum(x.unpaid for x in d.lines)), yen(sum(x.other_unpaid for x in d.lines))])
        statement = "上記のとおり相違ないことを証明します。"
        if d.certificate_kind == "kanno":
            statement = f"上記の年度の{zei}について、完納していることを証明します。"
    y = s.paragraph(LEFT, y + 8, WIDTH, statement, size=11)
    y += 6
    s.text(LEFT + 10, y + 4, wareki(d.issued_on), size=11)
    s.text(RIGHT - 22, y + 16, d.issuer.head, size=14, heading=True, align="right")
    s.seal(RIGHT - 18, y + 6, d.issuer, size=17)
    y += 34
    amounts = "" if d.certificate_kind == "mitai" else \
        "・税額は調定額、納付済額・未納額は本税の額です。延滞金等は延滞金及び督促手数料の未納額です。\n"
    s.notice(LEFT, max(y, 214), WIDTH, "注意", "・この証明書は、証明日現在の内容を証明するものです。\n" + amounts
             + "・この証明書の記載事項を改変したものは無効です。", size=7.8)
    s.footer(d.issuer, d.certificate_no)
    _continuations(new_page, parts, d.issuer, d.certificate_no, "納税証明書", d.taxpayer.name, _CERT_COLS,
                   _cert_cells)
    return len(parts)


# -- 還付通知書・充当通知書 -----------------------------------------------------------------------------

def render_refund(new_page: NewPage, d: RefundNotice) -> int:
    zei = _zei(d.issuer)
    s = new_page(1, 1)
    s.addressee(d.addressee)
    s.issuer(d.issuer, document_no=d.document_no, on=d.issued_on)
    y = s.title(76, "還付通知書", subtitle="（過誤納金の還付）")
    y = s.paragraph(LEFT, y + 1, WIDTH, f"あなたが納付された{zei}に過誤納金がありましたので、地方税法第17条の規定により、"
                    "下記のとおり還付します。")
    items = [
        ("過誤納の事由", d.cause),
        ("過誤納となった日", wareki(d.arisen_on)),
        ("過誤納金の額", f"{d.overpaid:,}円"),
        (f"未納の{zei}への充当額", f"{d.appropriated:,}円" + ("（別に充当通知書をお送りします）" if d.appropriated else "")),
        ("還付金の額", f"{d.amount:,}円"),
        ("還付加算金の額", f"{d.kasankin:,}円"),
        ("還付する金額", f"{d.total:,}円"),
        ("還付の方法", d.method),
        ("支払予定日", wareki(d.pay_on)),
    ]
    if d.account:
        items.append(("振込先", d.account))
    y = s.fields(LEFT, y + 3, items, label_w=46)
    y = s.paragraph(LEFT, y + 2, WIDTH, "還付加算金は地方税法第17条の4の規定により計算しています。窓口でお受け取りの場合は、"
                    "この通知書と本人確認書類をお持ちください。", size=8.4)
    s.notice(LEFT, y + 3, WIDTH, "不服申立てについて（教示）", appeal_text(d.issuer), size=7.8)
    s.footer(d.issuer, d.document_no)
    return 1


_APPR_COLS = (Column("年度", 20, "center"), Column("税目", 38), Column("期別", 11, "center"),
              Column("通知書番号", 29, "center"), Column("充当日", 18, "center"), Column("本税", 16, "right"),
              Column("延滞金", 14, "right"), Column("手数料", 10, "right"), Column("計（円）", 14, "right"))


def _appr_cells(line: Any) -> list[str]:
    return [nendo(line.fiscal_year), line.tax_name, f"第{line.period}期", line.notice_no,
            short_date(line.appropriated_on), yen(line.honzei), yen(line.entaikin), yen(line.fee), yen(line.total)]


def render_appropriation(new_page: NewPage, d: AppropriationNotice) -> int:
    zei = _zei(d.issuer)
    parts = _split(d.lines, 10)
    s = new_page(1, len(parts))
    s.addressee(d.addressee)
    s.issuer(d.issuer, document_no=d.document_no, on=d.issued_on)
    y = s.title(76, "充当通知書", subtitle="（過誤納金の充当）")
    y = s.paragraph(LEFT, y + 1, WIDTH, f"あなたの過誤納金を、地方税法第17条の2の規定により、下記のとおり未納の{zei}に"
                    "充当しましたので通知します。")
    kasankin = sum(line.kasankin for line in d.lines)
    items = [("過誤納の事由", d.cause), ("過誤納となった日", wareki(d.arisen_on)), ("過誤納金の額", f"{d.overpaid:,}円"),
             ("充当した額", f"{d.total:,}円" + (f"（うち還付加算金 {kasankin:,}円）" if kasankin else "")),
             ("残額", f"{d.remaining:,}円" + ("（別に還付通知書をお送りします）" if d.remaining else ""))]
    y = s.fields(LEFT, y + 3, items, label_w=40)
    y = s.table(LEFT, y + 4, _APPR_COLS, [_appr_cells(r) for r in parts[0]] + _more(parts, _APPR_COLS),
                totals=["合計", f"{len(d.lines)}件", "", "", "", yen(sum(x.honzei for x in d.lines)),
                        yen(sum(x.entaikin for x in d.lines)), yen(sum(x.fee for x in d.lines)), yen(d.total)])
    s.notice(LEFT, y + 4, WIDTH, "不服申立てについて（教示）", appeal_text(d.issuer), size=7.8)
    s.footer(d.issuer, d.document_no)
    _continuations(new_page, parts, d.issuer, d.document_no, "充当通知書", d.addressee.name, _APPR_COLS, _appr_cells)
    return len(parts)


# -- 領収証書 -------------------------------------------------------------------------------------------

_RECEIPT_COLS = (Column("年度", 22, "center"), Column("税目", 40), Column("期別", 12, "center"),
                 Column("通知書番号", 32, "center"), Column("本税", 16, "right"), Column("延滞金", 16, "right"),
                 Column("手数料", 14, "right"), Column("計（円）", 18, "right"))


def _receipt_cells(line: Any) -> list[str]:
    return [nendo(line.fiscal_year), line.tax_name, f"第{line.period}期", line.notice_no, yen(line.honzei),
            yen(line.entaikin), yen(line.fee), yen(line.total)]


def render_receipt(new_page: NewPage, d: ReceiptDocument) -> int:
    parts = _split(d.lines, 14)
    s = new_page(1, len(parts))
    s.text(RIGHT, 20, f"領収番号　{d.receipt_no}", size=9, align="right")
    y = s.title(36, "領収証書", size=22)
    y = s.fields(LEFT, y + 4, [("納付者", f"{d.payer.name}　様"), ("宛名番号", d.payer.atena_no),
                               ("領収日", wareki(d.received_on))], label_w=34)
    s.box(LEFT + 25, y + 5, WIDTH - 50, 20, width=1.2)
    s.text(LEFT + 32, y + 18, "金額", size=11, heading=True)
    s.text(RIGHT - 32, y + 19, f"¥{d.amount:,}-", size=22, heading=True, align="right")
    y += 30
    y = s.table(LEFT, y, _RECEIPT_COLS, [_receipt_cells(r) for r in parts[0]] + _more(parts, _RECEIPT_COLS),
                totals=["合計", f"{len(d.lines)}件", "", "", yen(sum(x.honzei for x in d.lines)),
                        yen(sum(x.entaikin for x in d.lines)), yen(sum(x.fee for x in d.lines)), yen(d.amount)])
    if d.received is not None and d.change is not None:
        y += 6
        s.text(RIGHT, y, f"お預かり {d.received:,}円　　おつり {d.change:,}円", size=10, align="right")
    y = s.paragraph(LEFT, y + 6, WIDTH, "上記の金額を領収しました。", size=11)
    top = y + 6
    s.text(LEFT, top + 6, d.issuer.name, size=13, heading=True)
    s.text(LEFT, top + 13, f"{d.issuer.office}（団体コード {d.issuer.code}）", size=9)
    s.text(LEFT, top + 20, f"取扱者　{d.operator}" + (f"　端末 {d.terminal}" if d.terminal else ""), size=8.5)
    stamp_x = RIGHT - 30
    s.box(stamp_x, top, 30, 30, width=0.8, color=SEAL_RED)
    s.text(stamp_x + 15, top + 8, "領収印", size=9, align="center", color=SEAL_RED)
    s.text(stamp_x + 15, top + 17, short_date(d.received_on), size=9, align="center", color=SEAL_RED)
    s.text(stamp_x + 15, top + 25, d.issuer.name, size=8, align="center", color=SEAL_RED, max_width=27)
    s.footer(d.issuer, d.receipt_no)
    _continuations(new_page, parts, d.issuer, d.receipt_no, "領収証書", d.payer.name, _RECEIPT_COLS,
                   _receipt_cells)
    return len(parts)


# -- 差押調書 -------------------------------------------------------------------------------------------

_SEIZED_COLS = (Column("年度", 20, "center"), Column("税目", 38), Column("期別", 11, "center"),
                Column("納期限", 18, "center"), Column("本税", 22, "right"), Column("延滞金", 20, "right"),
                Column("督促手数料", 17, "right"), Column("計（円）", 24, "right"))


def _seized_cells(r: PeriodRow) -> list[str]:
    return [nendo(r.fiscal_year), r.tax_name, f"第{r.period}期", short_date(r.due_date), yen(r.honzei),
            yen(r.entaikin), yen(r.fee), yen(r.total)]


def render_seizure(new_page: NewPage, d: SeizureRecord) -> int:
    parts = _split(d.rows, 8)
    s = new_page(1, len(parts))
    s.text(RIGHT, 20, f"文書番号　{d.document_no}", size=9, align="right")
    y = s.title(34, f"{d.kind_label}調書", size=22)
    y = s.fields(LEFT, y + 3, [
        ("滞納者の住所", d.taxpayer.address or ""),
        ("滞納者の氏名", d.taxpayer.name),
        ("宛名番号", d.taxpayer.atena_no),
        ("差押年月日", wareki(d.seized_on)),
        ("差押財産の種類", d.property_kind),
        ("差押財産の表示", d.property),
        ("見積価額", f"{d.estimate:,}円" if d.estimate is not None else "―"),
    ], label_w=36)
    s.text(LEFT, y + 7, f"滞納税額（延滞金は差押年月日 {wareki(d.seized_on)} 現在）", size=9.5, heading=True)
    y = s.table(LEFT, y + 9, _SEIZED_COLS, [_seized_cells(r) for r in parts[0]] + _more(parts, _SEIZED_COLS),
                totals=_owed_totals_seized(d.rows))
    y = s.paragraph(LEFT, y + 4, WIDTH, "上記のとおり滞納処分として財産を差し押さえたので、国税徴収法第54条（地方税法第331条"
                    "第6項等により、その例によるもの。）の規定により、この調書を作成する。", size=9.5)
    s.text(LEFT + 8, y + 7, wareki(d.made_on), size=10)
    s.text(RIGHT - 14, y + 14, f"{d.issuer.name}　徴収職員　{d.collector}", size=11, align="right", max_width=150)
    s.box(RIGHT - 11, y + 8.5, 8, 8, width=0.6, color=SEAL_RED)
    s.text(RIGHT - 7, y + 14, "印", size=9, align="center", color=SEAL_RED)
    if d.approved_by:
        s.text(RIGHT - 14, y + 21, f"決裁　{d.approved_by}", size=8.5, align="right")
    s.notice(LEFT, max(y + 26, 226), WIDTH, "不服申立てについて（教示）", appeal_text(d.issuer), size=7.8)
    s.footer(d.issuer, d.document_no)
    _continuations(new_page, parts, d.issuer, d.document_no, f"{d.kind_label}調書", d.taxpayer.name, _SEIZED_COLS,
                   _seized_cells)
    return len(parts)


def _owed_totals_seized(rows: Sequence[PeriodRow]) -> list[str]:
    return ["合計", f"{len(rows)}件", "", "", yen(sum(r.honzei for r in rows)), yen(sum(r.entaikin for r in rows)),
            yen(sum(r.fee for r in rows)), yen(sum(r.total for r in rows))]


RENDERERS: dict[str, Callable[[NewPage, Any], int]] = {
    "dunning": render_dunning,
    "reminder": render_reminder,
    "certificate": render_certificate,
    "refund": render_refund,
    "appropriation": render_appropriation,
    "receipt": render_receipt,
    "seizure": render_seizure,
}
