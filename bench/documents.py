"""Benchmark: a 督促状 batch of N taxpayers (default 10,000) into one PDF, streamed.

Each measurement runs in a fresh interpreter so that its peak resident memory
(``ru_maxrss``) is its own:

- ``render``: N 督促状 from a generator straight into the writer (the renderer
  alone), as nozei prints them: chunks of 200 pages joined into the file;
- ``unchunked``: the same with one reportlab canvas for the whole run (what
  reportlab alone would hold in memory), for comparison;
- ``store``: end to end on SQLite — N taxpayers with one unpaid period each, the
  督促 batch, then ``print_dunning_notices`` (decrypting every addressee, reading a
  chunk of taxpayers per short transaction, rendering, the index CSV, the audit).

    .venv/bin/python bench/documents.py [--count 10000] [--only render|unchunked|store]

Prints one line per measurement (time, pages, file size, peak RSS); the figures
go into ``bench/RESULTS.md`` by hand. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _documents(count: int):  # type: ignore[no-untyped-def]
    from core.documents.model import Addressee, DunningNotice, Issuer, PeriodRow

    issuer = Issuer("999991", "みなと市", "みなと市長", "納税課", "03-1234-5678")
    surnames = "佐藤鈴木高橋田中伊藤渡辺山本中村小林加藤吉田山田佐々木山口松本井上木村林斎藤清水"
    given = "太郎花子一郎次郎美咲健太由美翔大輔直美"
    for n in range(1, count + 1):
        name = f"{surnames[(n * 7) % 40:(n * 7) % 40 + 2]}　{given[(n * 3) % 20:(n * 3) % 20 + 2]}"
        who = Addressee(f"{n:010d}", name, f"{2900000 + n % 1000:07d}", f"みなと市本町{n % 9 + 1}丁目{n % 30 + 1}番{n % 12 + 1}号")
        rows = tuple(PeriodRow(2025, "個人住民税", p, f"2025010{n:09d}", date(2025, 6, 30), 12_300 * p + n % 1000, 0,
                               100) for p in range(1, 2 + n % 3))
        yield DunningNotice(f"TK20250715-{n:010d}", issuer, who, date(2025, 7, 15), date(2025, 7, 25), rows)


def _render(count: int, chunk: int) -> dict[str, object]:
    from storage.documents import PdfDocumentWriter

    folder = Path(tempfile.mkdtemp(prefix="nozei-bench-docs-"))
    writer = PdfDocumentWriter(folder, chunk_pages=chunk)
    _ = writer.fonts
    base = _rss_mb()
    start = time.perf_counter()
    written = writer.write("dunning", "bench", _documents(count), total=count, index=True)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "pages": written.pages, "bytes": (folder / written.file_name).stat().st_size,
            "rss_before_mb": base, "peak_rss_mb": _rss_mb()}


def _store(count: int) -> dict[str, object]:
    from core.config import Config
    from core.domain.identity import Terminal
    from core.security.permissions import Actor, Permission
    from core.services.documents import print_dunning_notices
    from core.services.dunning import run_dunning
    from logs.writer import AuditWriter
    from storage.documents import PdfDocumentWriter
    from storage.store import create_store
    from tests.factories import period, person

    data = Path(tempfile.mkdtemp(prefix="nozei-bench-store-")) / "var"
    store = create_store(Config(data_dir=data), municipality_code="999991", municipality_name="みなと市", demo=True,
                         audit_factory=AuditWriter)
    actor = Actor("bench", frozenset(p.value for p in Permission), terminal_id="T01")
    start = time.perf_counter()
    with store.uow() as uow:
        from datetime import UTC, datetime

        uow.identity.add_terminal(Terminal("T01", "bench", True, False, False), by="bench", now=datetime.now(UTC))
        for n in range(1, count + 1):
            tid = uow.taxpayers.add(person(n, my_number=None))
            uow.assessments.add(period(tid, notice_no=f"N{n:012d}", amount=10_000 + n))
        uow.commit()
    run = run_dunning(store.uow(), actor, on=date(2025, 7, 15))
    setup = time.perf_counter() - start
    base = _rss_mb()
    start = time.perf_counter()
    writer = PdfDocumentWriter(store.config.documents_dir)
    result = print_dunning_notices(store.uow("bench"), actor, on=date(2025, 7, 15), writer=writer)
    seconds = time.perf_counter() - start
    pdf = store.config.documents_dir / result.written.file_name
    store.close()
    return {"seconds": seconds, "setup_seconds": setup, "dunned": run.issued, "pages": result.written.pages,
            "bytes": pdf.stat().st_size, "rss_before_mb": base, "peak_rss_mb": _rss_mb()}


def _child(mode: str, count: int) -> dict[str, object]:
    if mode == "render":
        return _render(count, 200)
    if mode == "unchunked":
        return _render(count, 10**9)
    return _store(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--only", choices=("render", "unchunked", "store"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.count)))
        return
    for mode in [args.only] if args.only else ["render", "unchunked", "store"]:
        out = subprocess.run([sys.executable, __file__, "--child", mode, "--count", str(args.count)],
                             capture_output=True, text=True, check=True, cwd=ROOT)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        extra = f"  setup {r['setup_seconds']:.1f} s" if "setup_seconds" in r else ""
        print(f"{mode:<10} {args.count:>6,} documents  {r['pages']:>6,} pages  {r['seconds']:7.1f} s  "
              f"{r['pages'] / r['seconds']:6.0f} pages/s  {r['bytes'] / 2**20:6.1f} MiB  "
              f"RSS {r['rss_before_mb']:.0f} → peak {r['peak_rss_mb']:.0f} MB{extra}")


if __name__ == "__main__":
    main()
