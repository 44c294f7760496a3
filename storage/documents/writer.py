"""Document data → PDF files in the data directory's ``documents/`` (SPEC §8, export rule §5.3).

:class:`PdfDocumentWriter` implements :class:`core.documents.model.DocumentWriter`:

- one PDF per call, A4, the Japanese font embedded (:mod:`storage.documents.fonts`);
- documents are consumed one at a time and drawn in chunks of pages that are
  joined into the output as they are done (:mod:`storage.documents.pdfjoin`),
  so a run of 10,000 督促状 never holds them all in memory;
- a batch also gets an index CSV for the printing contractor (page, sheets,
  宛名番号, document number, postal code, 送付区分; UTF-8 with BOM, CRLF);
- files are created with mode 0600 under a temporary name and linked into place
  at the end: an interrupted run leaves nothing, and an existing file is never
  replaced;
- ``progress(done, total)`` is called after every document.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from core.documents.model import DOCUMENT_FILE_KEYS, DOCUMENT_TITLES, Written
from core.errors import ValidationError
from storage.documents.fonts import FontSet, load_fonts
from storage.documents.forms import RENDERERS
from storage.documents.layout import Sheet, postal
from storage.documents.pdfjoin import PdfJoiner

__all__ = ["PdfDocumentWriter", "INDEX_HEADER", "Progress"]

JST = timezone(timedelta(hours=9))
Progress = Callable[[int, "int | None"], None]
INDEX_HEADER = ("ページ", "枚数", "宛名番号", "文書番号", "郵便番号", "送付区分")
_SAFE = re.compile(r"[^0-9A-Za-z-]")
#: Binary (Flate only) content streams: smaller files, and no ASCII85 pass over every page.
rl_config.useA85 = 0


class _PrivateFile:
    """A new file, mode 0600, written under a temporary name and linked into place by :meth:`commit`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.name}.part")
        fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.fchmod(fd, 0o600)
        self._fh = os.fdopen(fd, "wb")
        self._sha = hashlib.sha256()
        self.committed = False

    def write(self, data: bytes) -> None:
        self._fh.write(data)
        self._sha.update(data)

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    def commit(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        try:
            os.link(self.tmp, self.path)  # never replaces an existing file
        except FileExistsError:
            raise ValidationError(f"出力先のファイルが既にあります: {self.path.name}", field="out") from None
        finally:
            self.tmp.unlink(missing_ok=True)
        self.committed = True

    def abort(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        self.tmp.unlink(missing_ok=True)
        if self.committed:
            self.path.unlink(missing_ok=True)


def _who(document: Any) -> Any:
    return getattr(document, "addressee", None) or getattr(document, "taxpayer", None) or document.payer


class PdfDocumentWriter:
    """Writes documents as PDF into *folder* (``config.documents_dir``)."""

    def __init__(self, folder: Path, *, font_path: Path | str | None = None, progress: Progress | None = None,
                 chunk_pages: int = 200, fonts: FontSet | None = None) -> None:
        self._folder = Path(folder)
        self._font_path = font_path
        self._fonts = fonts
        self._progress = progress
        self._chunk = max(1, chunk_pages)

    @property
    def fonts(self) -> FontSet:
        if self._fonts is None:
            self._fonts = load_fonts(self._font_path)
        return self._fonts

    @property
    def folder(self) -> Path:
        return self._folder

    def _stem(self, kind: str, key: str) -> str:
        base = f"{DOCUMENT_FILE_KEYS[kind]}-{_SAFE.sub('', key)}-{datetime.now(JST):%Y%m%d%H%M%S}"
        for n in range(1, 1000):
            stem = base if n == 1 else f"{base}-{n}"
            names = (f"{stem}.pdf", f"{stem}-index.csv", f".{stem}.pdf.part", f".{stem}-index.csv.part")
            if not any((self._folder / name).exists() for name in names):
                return stem
        raise ValidationError("出力ファイル名を決められません", field="out")

    def write(self, kind: str, key: str, documents: Iterable[Any], *, total: int | None = None,
              index: bool = False) -> Written:
        render = RENDERERS[kind]
        fonts = self.fonts
        self._folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        stem = self._stem(kind, key)
        pdf = _PrivateFile(self._folder / f"{stem}.pdf")
        idx: _PrivateFile | None = None
        try:
            idx = _PrivateFile(self._folder / f"{stem}-index.csv") if index else None
            joiner = PdfJoiner(pdf.write, title=f"{DOCUMENT_TITLES[kind]} {key}")
            text = io.StringIO()
            rows = csv.writer(text, lineterminator="\r\n")
            if idx is not None:
                idx.write("\ufeff".encode())
                rows.writerow(INDEX_HEADER)
            state: dict[str, Any] = {"canvas": None, "buffer": None, "pages": 0, "open": False}

            def new_page(page: int, pages: int) -> Sheet:
                if state["canvas"] is None:
                    state["buffer"] = io.BytesIO()
                    state["canvas"] = Canvas(state["buffer"], pagesize=A4, pageCompression=1, invariant=1,
                                             initialFontName=fonts.body, initialFontSize=10)
                if state["open"]:
                    state["canvas"].showPage()
                state["open"] = True
                state["pages"] += 1
                return Sheet(state["canvas"], fonts, page=page, pages=pages)

            def flush() -> None:
                if state["canvas"] is not None:
                    state["canvas"].save()
                    joiner.add(state["buffer"].getvalue())
                state.update(canvas=None, buffer=None, pages=0, open=False)

            count = 0
            for document in documents:
                first = joiner.pages + state["pages"] + 1
                used = render(new_page, document)
                if state["open"]:
                    state["canvas"].showPage()
                    state["open"] = False
                count += 1
                if idx is not None:
                    who = _who(document)
                    rows.writerow((first, used, who.atena_no, document.document_no, postal(who.postal_code)[1:],
                                   "公示送達" if getattr(document, "public_notice", False) else "郵送"))
                    idx.write(text.getvalue().encode("utf-8"))
                    text.seek(0)
                    text.truncate()
                if self._progress is not None:
                    self._progress(count, total)
                if state["pages"] >= self._chunk:
                    flush()
            flush()
            if count == 0:
                raise ValidationError("出力する文書がありません")
            pages, _ = joiner.finish()
            pdf.commit()
            if idx is not None:
                idx.commit()
        except BaseException:
            pdf.abort()
            if idx is not None:
                idx.abort()
            raise
        return Written(pdf.path.name, count, pages, pdf.sha256, idx.path.name if idx else None,
                       idx.sha256 if idx else None)

    def discard(self, written: Written) -> None:
        for name in (written.file_name, written.index_file):
            if name:
                (self._folder / name).unlink(missing_ok=True)
