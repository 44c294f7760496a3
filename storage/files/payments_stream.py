"""A large 収納データ file, checked whole and then read again record by record.

A bank's or a convenience-store agent's file can hold a million lines; its
records are never all in memory. :class:`PaymentStream` reads the file once to
check it exactly as :func:`~storage.files.payments_csv.parse_payments` does —
the same encodings, layouts, messages and line numbers, every problem reported
and nothing applied when there is one — keeping only a 64-bit digest and the
line of each record key to find duplicates. Iterating it reads the file again
and yields the :class:`~core.domain.payment.Payment` of each record, in order;
the import may iterate it twice (to lock its periods first). The file must not
change in between: its SHA-256 is checked again at the end of every reading.
"""

from __future__ import annotations

import codecs
import hashlib
import io
from array import array
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

from core.domain.payment import Payment
from core.errors import NozeiError
from storage.files import fields
from storage.files.csvread import _BOM, _NOT_SHIFT_JIS, ENCODING_ERROR_MESSAGE, FileFormatError, LineError
from storage.files.payments_csv import (
    PaymentMapping,
    PaymentRecord,
    check_record,
    duplicate_key_error,
    layout_rows,
)

__all__ = ["PaymentStream"]

_READ = 1 << 20


def _digest(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


class PaymentStream:
    """A checked 収納データ file: ``sha256``, ``encoding``, ``records`` (count); iterate for payments."""

    def __init__(self, path: Path, mapping: PaymentMapping | Mapping[str, object] | None = None) -> None:
        self.path = Path(path)
        self.layout = PaymentMapping.from_dict(mapping) if isinstance(mapping, Mapping) else mapping
        self.sha256 = self._file_sha256()
        self.encoding = self._encoding()
        self.records = self._check()

    # -- reading ------------------------------------------------------------------------
    def _file_sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as f:
            while chunk := f.read(_READ):
                digest.update(chunk)
        return digest.hexdigest()

    def _encoding(self) -> str:
        """UTF-8 (with or without BOM) if the whole file decodes strictly, else CP932 — as
        :func:`~storage.files.csvread.read_csv_text` decides."""
        with self.path.open("rb") as f:
            bom = f.read(len(_BOM)) == _BOM
            f.seek(0)
            decoder = codecs.getincrementaldecoder("utf-8")("strict")
            try:
                while chunk := f.read(_READ):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
                return "utf-8-sig" if bom else "utf-8"
            except UnicodeDecodeError:
                pass
            f.seek(0)
            decoder = codecs.getincrementaldecoder("cp932")("strict")
            try:
                while chunk := f.read(_READ):
                    if _NOT_SHIFT_JIS.search(decoder.decode(chunk)):
                        raise FileFormatError((), ENCODING_ERROR_MESSAGE)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise FileFormatError((), ENCODING_ERROR_MESSAGE) from None
        return "cp932"

    def _text(self, raw: io.BufferedReader) -> TextIO:
        encoding = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
        if self.encoding == "utf-8-sig":
            raw.read(len(_BOM))
        return io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")

    def _rows(self, errors: list[LineError]) -> Iterator[tuple[int, dict[str, str]]]:
        with self.path.open("rb") as raw:
            yield from layout_rows(self._text(raw), self.layout, errors)

    # -- the check (first reading) ------------------------------------------------------
    def _check(self) -> int:
        errors: list[LineError] = []
        digests, lines = array("Q"), array("L")
        count = 0
        for line, row in self._rows(errors):
            key = row.get("record_key", "")
            if key:
                digests.append(_digest(key))
                lines.append(line)
            if check_record(line, row, self.layout, errors) is not None:
                count += 1
        # A line's repeated key is reported before its other problems, as parse_payments does
        # (raise_errors sorts by line, keeping this order within a line).
        errors = self._duplicates(digests, lines) + errors
        fields.raise_errors(errors, has_records=count > 0)
        return count

    def _duplicates(self, digests: array[int], lines: array[int]) -> list[LineError]:
        """Every repeated record key, as parse_payments reports it (the key's first line named).
        Equal digests are only candidates: the file is read again for their exact keys."""
        order = sorted(range(len(digests)), key=digests.__getitem__)
        suspect = {digests[i] for a, i in zip(order, order[1:]) if digests[a] == digests[i]}
        if not suspect:
            return []
        wanted = {lines[i] for i in range(len(digests)) if digests[i] in suspect}
        first: dict[str, int] = {}
        found: list[LineError] = []
        for line, row in self._rows([]):
            if line in wanted:
                key = row.get("record_key", "")
                if key in first:
                    found.append(duplicate_key_error(self.layout, line, first[key]))
                else:
                    first[key] = line
        return found

    # -- the records (every further reading) --------------------------------------------
    def __iter__(self) -> Iterator[Payment]:
        for record in self.iter_records():
            yield record.to_payment()

    def iter_records(self) -> Iterator[PaymentRecord]:
        errors: list[LineError] = []
        count = 0
        for line, row in self._rows(errors):
            record = check_record(line, row, self.layout, errors)
            if record is None:
                break
            count += 1
            yield record
        if errors or count != self.records or self._file_sha256() != self.sha256:
            raise NozeiError("取込中にファイルが変更されました。何も反映していません（ファイルを確認してやり直してください）")

    def __len__(self) -> int:
        return self.records
