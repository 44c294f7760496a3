"""Join PDFs that reportlab made, chunk by chunk, into one file written as it goes.

reportlab keeps every page of a canvas in memory until ``save()``. A batch of
10,000 督促状 is therefore drawn in chunks of a few hundred pages, each saved to
bytes and appended here: the chunk's objects are renumbered and written out at
once, only the page numbers and object offsets are kept, and the page tree, the
cross-reference table and the trailer are written at the end.

This reads only what reportlab writes (a classic ``xref`` table, one object per
``N 0 obj … endobj``, no object streams); it is not a general PDF parser.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

__all__ = ["PdfJoiner", "JoinError"]

_REF = re.compile(rb"(\d+) 0 R\b")
_STREAM = re.compile(rb">>\s*stream(\r\n|\n)")
_KIDS = re.compile(rb"/Kids\s*\[([^\]]*)\]")
_TYPE = re.compile(rb"/Type\s*/(Pages|Page|Catalog|Outlines)\b")
#: A font subset's name: six capital letters, "+", the font's PostScript name.
_SUBSET = re.compile(rb"/(BaseFont|FontName)(\s*)/([A-Z]{6})\+([^\s/<>\[\]()]+)")
#: Pages per intermediate node of the page tree.
_FANOUT = 256


class JoinError(RuntimeError):
    """A chunk was not the PDF this module expects (a bug, never a user error)."""


def _objects(pdf: bytes) -> tuple[dict[int, bytes], int | None]:
    """Object number → the bytes between ``N 0 obj`` and ``endobj``; and the /Info object number."""
    m = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", pdf)
    if m is None:
        raise JoinError("no startxref")
    xref = int(m.group(1))
    head = re.match(rb"xref\s+0\s+(\d+)\s+", pdf[xref:])
    if head is None:
        raise JoinError("no classic xref table")
    count = int(head.group(1))
    table = pdf[xref + head.end(): xref + head.end() + 20 * count]
    offsets = {}
    for n in range(1, count):
        entry = table[20 * n: 20 * n + 20]
        if entry[17:18] == b"n":
            offsets[n] = int(entry[:10])
    ends = sorted(offsets.values()) + [xref]
    following = {start: ends[i + 1] for i, start in enumerate(ends[:-1])}
    out = {}
    for n, start in offsets.items():
        chunk = pdf[start: following[start]]
        header = re.match(rb"\s*(\d+) 0 obj\s*", chunk)
        if header is None or int(header.group(1)) != n:
            raise JoinError(f"object {n} not at its offset")
        body = chunk[header.end():].rstrip()
        if not body.endswith(b"endobj"):
            raise JoinError(f"object {n} not terminated")
        out[n] = body[:-len(b"endobj")].rstrip()
    trailer = pdf[xref:]
    info = re.search(rb"/Info\s+(\d+) 0 R", trailer)
    return out, int(info.group(1)) if info else None


def _dictionary(body: bytes) -> bytes:
    """The dictionary part of an object (without its stream data)."""
    m = _STREAM.search(body)
    return body[:m.start()] if m else body


def _tag(n: int) -> bytes:
    """The *n*-th subset tag: AAAAAA, AAAAAB, …"""
    letters = []
    for _ in range(6):
        n, r = divmod(n, 26)
        letters.append(65 + r)
    return bytes(reversed(letters))


def _hex_text(text: str) -> bytes:
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


class PdfJoiner:
    """Appends reportlab PDFs to *write* (a callable taking bytes), then :meth:`finish` closes the file."""

    def __init__(self, write: Callable[[bytes], object], *, title: str = "") -> None:
        self._write = write
        self._offset = 0
        self._offsets: dict[int, int] = {}
        self._next = 4  # 1 catalog, 2 root of the page tree, 3 info
        self._pages: list[int] = []
        self._nodes: list[int] = []  # the intermediate page-tree node of each group of _FANOUT pages
        self._digest = hashlib.sha256()
        self._title = title
        self._subsets = 0
        self._emit(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    @property
    def pages(self) -> int:
        return len(self._pages)

    def _emit(self, data: bytes) -> None:
        self._write(data)
        self._digest.update(data)
        self._offset += len(data)

    def _object(self, number: int, body: bytes) -> None:
        self._offsets[number] = self._offset
        self._emit(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def _node_for(self, page_index: int) -> int:
        group = page_index // _FANOUT
        while len(self._nodes) <= group:
            self._nodes.append(self._next)
            self._next += 1
        return self._nodes[group]

    def add(self, pdf: bytes) -> int:
        """Append every page of *pdf* (in order); returns how many pages it had."""
        objects, info = _objects(pdf)
        kinds = {n: (m.group(1) if (m := _TYPE.search(_dictionary(b))) else None) for n, b in objects.items()}
        roots = [n for n, k in kinds.items() if k == b"Pages"]
        if len(roots) != 1:
            raise JoinError("expected one page tree node")
        kids = [int(k) for k in _REF.findall(_KIDS.search(objects[roots[0]]).group(1))]  # type: ignore[union-attr]
        if any(kinds.get(k) != b"Page" for k in kids):
            raise JoinError("page tree is not flat")
        dropped = {n for n, k in kinds.items() if k in (b"Pages", b"Catalog", b"Outlines")} | {info}
        renumber = {}
        for n in sorted(objects):
            if n not in dropped:
                renumber[n] = self._next
                self._next += 1
        parent = {k: self._node_for(len(self._pages) + i) for i, k in enumerate(kids)}

        tags: dict[tuple[bytes, bytes], bytes] = {}

        def subset(m: re.Match[bytes]) -> bytes:
            """Every chunk embeds its own subsets, and reportlab tags them AAAAAA, AAAAAB… in each:
            give each subset of the joined file a tag of its own (PDF 32000 §9.6.4)."""
            key = (m.group(3), m.group(4))
            if key not in tags:
                tags[key] = _tag(self._subsets)
                self._subsets += 1
            return b"/%s%s/%s+%s" % (m.group(1), m.group(2), tags[key], m.group(4))

        def fix(body: bytes, n: int) -> bytes:
            head = _dictionary(body)
            tail = body[len(head):]
            if n in parent:
                head = re.sub(rb"/Parent\s+\d+ 0 R", b"/Parent @PARENT@", head)

            def ref(m: re.Match[bytes]) -> bytes:
                old = int(m.group(1))
                if old not in renumber:
                    raise JoinError(f"reference to dropped object {old}")
                return b"%d 0 R" % renumber[old]

            head = _SUBSET.sub(subset, _REF.sub(ref, head))
            if n in parent:
                head = head.replace(b"@PARENT@", b"%d 0 R" % parent[n])
            return head + tail

        for n in sorted(renumber):
            self._object(renumber[n], fix(objects[n], n))
        self._pages += [renumber[k] for k in kids]
        return len(kids)

    def finish(self) -> tuple[int, str]:
        """Write the page tree, catalog, info, xref and trailer; returns (pages, SHA-256 of the file)."""
        if not self._pages:
            raise JoinError("no pages")
        for g, node in enumerate(self._nodes):
            kids = self._pages[g * _FANOUT:(g + 1) * _FANOUT]
            self._object(node, b"<< /Type /Pages /Parent 2 0 R /Count %d /Kids [ %s ] >>"
                         % (len(kids), b" ".join(b"%d 0 R" % k for k in kids)))
        self._object(2, b"<< /Type /Pages /Count %d /Kids [ %s ] >>"
                     % (len(self._pages), b" ".join(b"%d 0 R" % n for n in self._nodes)))
        self._object(1, b"<< /Type /Catalog /Pages 2 0 R /PageMode /UseNone >>")
        self._object(3, b"<< /Producer (nozei) /Creator (nozei) /Title " + _hex_text(self._title) + b" >>")
        xref = self._offset
        size = self._next
        lines = [b"xref\n0 %d\n" % size, b"0000000000 65535 f \n"]
        for n in range(1, size):
            if n not in self._offsets:
                raise JoinError(f"object {n} never written")
            lines.append(b"%010d 00000 n \n" % self._offsets[n])
        self._emit(b"".join(lines))
        file_id = self._digest.hexdigest()[:32].upper().encode("ascii")
        self._emit(b"trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R /ID [ <%s> <%s> ] >>\nstartxref\n%d\n%%%%EOF\n"
                   % (size, file_id, file_id, xref))
        return len(self._pages), self._digest.hexdigest()
