"""CSV reading shared by every import (SPEC §7).

- :func:`read_csv_text` decodes UTF-8 (BOM optional) or CP932 (Shift_JIS), both strictly.
- :func:`iter_rows` checks the header row and yields each data row with its
  *physical* line number (the header is line 1; a quoted field spanning lines
  counts every line it spans), so an error report points at the line an editor shows.

Header rule: every expected column must appear exactly once, spelled exactly
(surrounding spaces ignored) either as its canonical English key (``amount``) or
as its Japanese label (``金額``); the two may be mixed and the order is free.
Unknown columns are an error unless ``allow_extra`` is set (mapped layouts).

Messages are Japanese and never echo a value read from the file: a header cell
that is not recognised is reported by its position, not its text, because a
file without a header would otherwise leak its first data row.
"""

from __future__ import annotations

import csv
import io
from typing import TextIO
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from core.errors import ValidationError

__all__ = [
    "ENCODING_ERROR_MESSAGE",
    "FileFormatError",
    "LineError",
    "iter_rows",
    "read_csv_text",
]

ENCODING_ERROR_MESSAGE = "文字コードを判別できません（UTF-8 または Shift_JIS/CP932）"
_BOM = b"\xef\xbb\xbf"
_NOT_SHIFT_JIS = re.compile("[\u0080\uf8f0-\uf8f3]")


@dataclass(frozen=True, slots=True)
class LineError:
    """One problem in a file: physical line (header = 1), column label or None, reason."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.line}行目" + (f" {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class FileFormatError(ValidationError):
    """A file that cannot be imported; ``errors`` lists every bad line found."""

    def __init__(self, errors: Iterable[LineError] = (), message: str | None = None) -> None:
        self.errors: tuple[LineError, ...] = tuple(errors)
        if message is None:
            if len(self.errors) == 1:
                message = str(self.errors[0])
            else:
                message = f"ファイルに誤りがあります（{len(self.errors)}件）"
        super().__init__(message)

    def report(self) -> str:
        """One line per error, e.g. ``3行目 金額: 数字ではありません``."""
        if not self.errors:
            return str(self)
        return "\n".join(str(e) for e in self.errors)


def read_csv_text(data: bytes) -> tuple[str, str]:
    """Decode *data*: UTF-8 first (``utf-8-sig`` when a BOM is present), then CP932.

    Returns ``(text, encoding)`` with encoding ``"utf-8-sig"``, ``"utf-8"`` or
    ``"cp932"``; raises :class:`FileFormatError` when neither decodes strictly.
    """
    raw = bytes(data)
    try:
        if raw.startswith(_BOM):
            return raw[len(_BOM):].decode("utf-8", errors="strict"), "utf-8-sig"
        return raw.decode("utf-8", errors="strict"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp932", errors="strict")
    except UnicodeDecodeError:
        raise FileFormatError((), ENCODING_ERROR_MESSAGE) from None
    if _NOT_SHIFT_JIS.search(text):  # Python maps 0x80, 0xA0, 0xFD-0xFF instead of failing
        raise FileFormatError((), ENCODING_ERROR_MESSAGE)
    return text, "cp932"


def _is_blank(row: Sequence[str]) -> bool:
    return all(not cell.strip() for cell in row)


def _header_positions(
    cells: Sequence[str],
    expected: Sequence[str],
    labels: Mapping[str, str],
    allow_extra: bool,
) -> tuple[dict[int, str], list[LineError]]:
    """Map header positions to expected keys; collect every header problem (line 1 of the header)."""
    accepted: dict[str, str] = {}
    for key in expected:
        accepted[key] = key
        if key in labels:
            accepted[labels[key]] = key
    positions: dict[int, str] = {}
    seen: set[str] = set()
    problems: list[str | tuple[str, str]] = []
    unknown: list[int] = []
    for index, cell in enumerate(cells):
        name = cell.strip().lstrip("\ufeff").strip()
        key = accepted.get(name)
        if key is None:
            if not allow_extra:
                unknown.append(index + 1)
            continue
        label = labels.get(key, key)
        if key in seen:
            problems.append((label, f"見出し「{label}」が重複しています"))
            continue
        seen.add(key)
        positions[index] = key
    if unknown:
        shown = "、".join(map(str, unknown[:10])) + ("…" if len(unknown) > 10 else "")
        problems.append(f"想定外の見出しがあります（{shown}列目）")
    for key in expected:
        if key not in seen:
            label = labels.get(key, key)
            problems.append((label, f"見出し「{label}」がありません"))
    errors = [LineError(0, *p) if isinstance(p, tuple) else LineError(0, None, p) for p in problems]
    return positions, errors


def iter_rows(
    text: str | TextIO,
    expected_header: Sequence[str],
    *,
    labels: Mapping[str, str] | None = None,
    allow_extra: bool = False,
    errors: list[LineError] | None = None,
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number, {key: stripped value})`` for each non-blank data row.

    *expected_header* holds the canonical keys; *labels* maps a key to its
    Japanese header name, accepted as an alternative. Header problems raise
    :class:`FileFormatError` at once (nothing below can be read). Row problems
    (wrong number of fields, broken quoting) go to *errors* when given and the
    caller goes on validating; without *errors* they are raised together at the end.
    Blank lines (also before the header) are skipped; line numbers stay physical.
    """
    names = dict(labels or {})
    sink: list[LineError] = [] if errors is None else errors
    reader = csv.reader(io.StringIO(text, newline="") if isinstance(text, str) else text, strict=True)
    header: list[str] | None = None
    header_line = 0
    positions: dict[int, str] = {}
    previous = 0
    while True:
        start = previous + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:
            broken = LineError(start, None, "CSVの形式が正しくありません（引用符の対応、項目の長さなど）")
            if header is None:
                raise FileFormatError([broken]) from None
            sink.append(broken)
            break
        previous = reader.line_num
        if _is_blank(row):
            continue
        if header is None:
            header, header_line = row, start
            positions, header_errors = _header_positions(row, expected_header, names, allow_extra)
            if header_errors:
                raise FileFormatError(LineError(header_line, e.column, e.message) for e in header_errors)
            continue
        if len(row) != len(header):
            sink.append(LineError(start, None, f"列数が見出しと一致しません（見出し{len(header)}列、この行{len(row)}列）"))
            continue
        yield start, {key: row[index].strip() for index, key in positions.items()}
    if header is None:
        raise FileFormatError([LineError(1, None, "見出し行がありません（ファイルが空です）")])
    if errors is None and sink:
        raise FileFormatError(sink)
