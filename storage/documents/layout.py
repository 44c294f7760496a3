"""Drawing helpers for A4 documents: positions in millimetres from the top-left corner.

Text is drawn with the embedded Japanese font; a string that would not fit its
box is set smaller (down to 6 pt) rather than clipped or overlapping, and lines
are broken per character (with 禁則: no line starts with 、。）」 and the like).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from core.dates import format_wareki, wareki_year
from core.documents.model import Addressee, Issuer
from storage.documents.fonts import FontSet

__all__ = ["Sheet", "Column", "yen", "nendo", "wareki", "short_date", "postal", "PAGE_W", "PAGE_H", "LEFT", "RIGHT",
           "GREY", "SEAL_RED"]

PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT = 20.0, 190.0
GREY = Color(0.88, 0.88, 0.88)
LIGHT = Color(0.95, 0.95, 0.95)
SEAL_RED = Color(0.80, 0.10, 0.10)
_PT = 0.3528  # mm per point
_NO_LINE_START = set("、。，．,.)）」』】〕・ー！？!?％%々ゝゞヽヾぁぃぅぇぉっゃゅょァィゥェォッャュョ")


def yen(amount: int) -> str:
    """``12,345`` (the unit is in the column heading)."""
    return f"{amount:,}"


def nendo(fiscal_year: int) -> str:
    """``令和7年度`` (2019 is 令和元年度, as municipalities wrote it)."""
    era, year = wareki_year(date(fiscal_year, 5, 1))
    return f"{era}{'元' if year == 1 else year}年度"


def wareki(day: date) -> str:
    return format_wareki(day)


def short_date(day: date) -> str:
    """``R7.6.30`` for table cells."""
    return format_wareki(day, short=True)


def postal(code: str | None) -> str:
    if not code:
        return ""
    digits = "".join(ch for ch in code if ch.isdigit())
    return f"〒{digits[:3]}-{digits[3:]}" if len(digits) == 7 else f"〒{code}"


@lru_cache(maxsize=65536)
def _unit(font: str, ch: str) -> float:
    """The advance of *ch* at 1 pt, in mm (reportlab applies no kerning: a string is the sum)."""
    return stringWidth(ch, font, 1.0) / mm


def _width(font: str, text: str) -> float:
    return sum(_unit(font, ch) for ch in text)


@lru_cache(maxsize=4096)
def _break(font: str, text: str, width: float) -> tuple[str, ...]:
    """*text* broken into lines of at most *width* (mm at 1 pt), per character with 禁則."""
    lines: list[str] = []
    current, used = "", 0.0
    for ch in text:
        w = _unit(font, ch)
        if current and used + w > width and ch not in _NO_LINE_START:
            lines.append(current)
            current, used = ch, w
        else:
            current += ch
            used += w
    lines.append(current)
    return tuple(lines)


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    width: float  # mm
    align: str = "left"  # left | right | center


class Sheet:
    """One page being drawn."""

    def __init__(self, canvas: Canvas, fonts: FontSet, *, page: int = 1, pages: int = 1) -> None:
        self.c = canvas
        self.fonts = fonts
        self.page = page
        self.pages = pages

    # -- text ----------------------------------------------------------------
    def _font(self, heading: bool) -> str:
        return self.fonts.heading if heading else self.fonts.body

    def width(self, text: str, size: float, *, heading: bool = False) -> float:
        return _width(self._font(heading), text) * size

    def text(self, x: float, y: float, text: str, *, size: float = 10.0, heading: bool = False,
             align: str = "left", max_width: float | None = None, color: Color = black) -> float:
        """Draw one line with its baseline at *y*; returns the size used."""
        font = self._font(heading)
        text = self.fonts.clean(text, font)
        if max_width is not None:
            unit = _width(font, text)
            if unit * size > max_width:
                size = max(6.0, int(max_width / unit * 4) / 4)
        self.c.setFillColor(color)
        self.c.setFont(font, size)
        px, py = x * mm, (PAGE_H - y) * mm
        if align == "right":
            self.c.drawRightString(px, py, text)
        elif align == "center":
            self.c.drawCentredString(px, py, text)
        else:
            self.c.drawString(px, py, text)
        self.c.setFillColor(black)
        return size

    def wrap(self, text: str, width: float, size: float, *, heading: bool = False) -> list[str]:
        font = self._font(heading)
        lines: list[str] = []
        for raw in text.replace("\r", "").split("\n"):
            lines += _break(font, self.fonts.clean(raw, font), width / size)
        return lines

    def paragraph(self, x: float, y: float, width: float, text: str, *, size: float = 9.5,
                  leading: float | None = None, heading: bool = False, indent: str = "") -> float:
        """Wrapped text from the top *y*; returns the y below it."""
        step = leading or size * _PT * 1.55
        baseline = y + size * _PT * 0.9
        for i, line in enumerate(self.wrap(text, width - (self.width(indent, size) if indent else 0), size,
                                           heading=heading)):
            self.text(x + (self.width(indent, size) if indent and i else 0), baseline, line, size=size,
                      heading=heading)
            baseline += step
        return baseline - size * _PT * 0.9 + (step - size * _PT)

    # -- lines and boxes -----------------------------------------------------
    def line(self, x1: float, y1: float, x2: float, y2: float, *, width: float = 0.5, color: Color = black) -> None:
        self.c.setStrokeColor(color)
        self.c.setLineWidth(width)
        self.c.line(x1 * mm, (PAGE_H - y1) * mm, x2 * mm, (PAGE_H - y2) * mm)
        self.c.setStrokeColor(black)

    def box(self, x: float, y: float, w: float, h: float, *, width: float = 0.5, fill: Color | None = None,
            color: Color = black) -> None:
        self.c.setStrokeColor(color)
        self.c.setLineWidth(width)
        if fill is not None:
            self.c.setFillColor(fill)
        self.c.rect(x * mm, (PAGE_H - y - h) * mm, w * mm, h * mm, stroke=1, fill=1 if fill is not None else 0)
        self.c.setFillColor(black)
        self.c.setStrokeColor(black)

    def _cell(self, x: float, y: float, w: float, h: float, text: str, align: str, size: float,
              heading: bool = False) -> None:
        baseline = y + h / 2 + size * _PT * 0.36
        pad = 1.4
        if align == "right":
            self.text(x + w - pad, baseline, text, size=size, align="right", max_width=w - 2 * pad, heading=heading)
        elif align == "center":
            self.text(x + w / 2, baseline, text, size=size, align="center", max_width=w - 2 * pad, heading=heading)
        else:
            self.text(x + pad, baseline, text, size=size, max_width=w - 2 * pad, heading=heading)

    def table(self, x: float, y: float, columns: Sequence[Column], rows: Sequence[Sequence[str] | str], *,
              size: float = 8.8, row_h: float = 6.4, header_h: float = 7.0,
              totals: Sequence[str] | None = None) -> float:
        """A ruled table; a row given as one string spans it; *totals* is a last, shaded row.
        Returns the y below it."""
        width = sum(c.width for c in columns)
        self.box(x, y, width, header_h, fill=GREY)
        cx = x
        for col in columns:
            self._cell(cx, y, col.width, header_h, col.label, "center", size, heading=True)
            cx += col.width
        top = y
        y += header_h
        for row in rows:
            if isinstance(row, str):  # a note across the whole row
                self._cell(x, y, width, row_h, row, "center", size)
                y += row_h
                self.line(x, y, x + width, y, width=0.25)
                continue
            cx = x
            for col, value in zip(columns, row, strict=True):
                self._cell(cx, y, col.width, row_h, value, col.align, size)
                cx += col.width
            y += row_h
            self.line(x, y, x + width, y, width=0.25)
        if totals is not None:
            self.box(x, y, width, row_h, fill=LIGHT, width=0.25)
            cx = x
            for col, value in zip(columns, totals, strict=True):
                self._cell(cx, y, col.width, row_h, value, col.align, size, heading=bool(value))
                cx += col.width
            y += row_h
        self.box(x, top, width, y - top, width=0.8)
        spans, start, ry = [], top, top + header_h
        for row in rows:
            if isinstance(row, str):
                spans.append((start, ry))
                start = ry + row_h
            ry += row_h
        spans.append((start, y))
        cx = x
        for col in columns[:-1]:
            cx += col.width
            for a, b in spans:
                if b > a:
                    self.line(cx, a, cx, b, width=0.25)
        return y

    def fields(self, x: float, y: float, items: Sequence[tuple[str, str]], *, label_w: float = 38.0,
               width: float = RIGHT - LEFT, size: float = 9.5, row_h: float = 7.5) -> float:
        """Label / value rows (the value wraps onto more lines when long). Returns the y below."""
        top = y
        for label, value in items:
            lines = self.wrap(value, width - label_w - 3, size) or [""]
            h = max(row_h, len(lines) * size * _PT * 1.5 + 3)
            self.box(x, y, label_w, h, fill=LIGHT, width=0.25)
            self._cell(x, y, label_w, h, label, "center", size, heading=True)
            base = y + (h - len(lines) * size * _PT * 1.5) / 2 + size * _PT * 1.1
            for line in lines:
                self.text(x + label_w + 2, base, line, size=size, max_width=width - label_w - 3)
                base += size * _PT * 1.5
            y += h
            self.line(x, y, x + width, y, width=0.25)
        self.box(x, top, width, y - top, width=0.8)
        self.line(x + label_w, top, x + label_w, y, width=0.25)
        return y

    # -- parts every document shares -----------------------------------------
    def title(self, y: float, text: str, *, subtitle: str | None = None, size: float = 20.0) -> float:
        self.text(PAGE_W / 2, y, text, size=size, heading=True, align="center")
        if subtitle:
            self.text(PAGE_W / 2, y + 7, subtitle, size=10.5, align="center")
            return y + 12
        return y + 7

    def addressee(self, who: Addressee, *, y: float = 22.0, label: str | None = None) -> float:
        """The address block where a window envelope (長形3号) shows it."""
        x = 22.0
        if label:
            self.text(x, y - 6, label, size=8)
        if who.postal_code:
            self.text(x, y, postal(who.postal_code), size=10)
        y += 6
        for line in self.wrap(who.address or "", 82, 10)[:3]:
            self.text(x, y, line, size=10, max_width=84)
            y += 5
        y += 3
        honorific = "様"
        self.text(x + 2, y, f"{who.name}　{honorific}", size=13, max_width=86)
        self.text(x + 2, y + 6, f"宛名番号 {who.atena_no}", size=8)
        return y + 8

    def issuer(self, issuer: Issuer, *, document_no: str, on: date, y: float = 22.0, seal: bool = False,
               seal_omitted: bool = True) -> float:
        """Document number, date and the issuing head and office, at the top right."""
        self.text(RIGHT, y, f"文書番号　{document_no}", size=8.5, align="right")
        self.text(RIGHT, y + 6, wareki(on), size=10, align="right")
        head_y = y + 14
        self.text(RIGHT - (18 if seal else 0), head_y, issuer.head, size=12, align="right", heading=True)
        if seal:
            self.seal(RIGHT - 15, head_y - 10, issuer)
        elif seal_omitted:
            self.text(RIGHT, head_y + 5, "（公印省略）", size=7.5, align="right")
        self.text(RIGHT, head_y + 11, f"担当　{issuer.name} {issuer.office}", size=8.5, align="right")
        line = f"団体コード {issuer.code}"
        if issuer.phone:
            line = f"電話 {issuer.phone}　{line}"
        self.text(RIGHT, head_y + 16, line, size=8, align="right")
        return head_y + 18

    def seal(self, x: float, y: float, issuer: Issuer, *, size: float = 15.0) -> None:
        """A printed 公印 (印影): the head's name in a red square."""
        self.box(x, y, size, size, width=1.2, color=SEAL_RED)
        self.box(x + 0.9, y + 0.9, size - 1.8, size - 1.8, width=0.4, color=SEAL_RED)
        chars = f"{issuer.head}之印"
        cols = 2 if len(chars) <= 6 else 3
        per = -(-len(chars) // cols)
        glyph = min(5.0, (size - 3) / per) / _PT
        for c in range(cols):  # right to left, top to bottom, as a seal reads
            part = chars[c * per:(c + 1) * per]
            cx = x + size - (c + 0.5) * (size - 2) / cols - 1
            for r, ch in enumerate(part):
                cy = y + 2 + (r + 0.85) * (size - 4) / per
                self.text(cx, cy, ch, size=glyph, align="center", heading=True, color=SEAL_RED)

    def footer(self, issuer: Issuer, document_no: str) -> None:
        self.line(LEFT, 284, RIGHT, 284, width=0.3)
        self.text(LEFT, 289, f"{issuer.name}（団体コード {issuer.code}）　{issuer.office}", size=7.5)
        self.text(RIGHT, 289, f"{document_no}　{self.page} / {self.pages}", size=7.5, align="right")

    def notice(self, x: float, y: float, w: float, title: str, text: str, *, size: float = 8.6,
               frame: Color = black) -> float:
        """A framed block: a heading line and wrapped text. Returns the y below."""
        inner = self.paragraph(x + 3, y + 6.5, w - 6, text, size=size)
        self.text(x + 3, y + 4.6, title, size=size + 0.4, heading=True)
        self.box(x, y, w, inner - y + 2.0, width=0.6, color=frame)
        return inner + 2.0
