"""One workload in a fresh interpreter (so that its peak memory is its own).

    python -m bench.worker STEP --data-dir DIR --out FILE [--plain] [options]

Writes the step's figures as JSON to FILE. :mod:`bench.run` calls this; it can
also be run by hand against any demo data directory.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["main", "STEPS"]

#: step → the demo user it signs in as
#: (a different user per step where the roles allow: each may sign in with two OTP steps per 30 s)
STEPS: dict[str, str] = {
    "search": "clerk-mn", "detail": "inquiry", "entaikin": "supervisor", "dunning": "clerk",
    "transfer": "clerk-mn", "payments_file": "officer", "import": "clerk", "append": "refund",
    "append_until": "", "grow_chain": "admin", "verify": "auditor", "tui_start": "", "tui_search": "cert",
}


def _run(step: str, args: argparse.Namespace) -> dict[str, Any]:
    if step == "tui_start":
        from bench.w_tui import startup
        return startup(args.data_dir, args.launched_at)
    if step == "tui_search":
        from bench.w_tui import search_rendering
        return search_rendering(args.data_dir, args.queries.split("|"))
    from bench.session import open_bench

    bench = open_bench(args.data_dir, args.user or STEPS[step])
    try:
        if step == "search":
            from bench.w_lookup import search_workload
            return search_workload(bench, per_kind=args.count)
        if step == "detail":
            from bench.w_lookup import detail_workload
            return detail_workload(bench, count=args.count)
        if step == "entaikin":
            from bench.w_collection import entaikin_workload
            return entaikin_workload(bench)
        if step == "dunning":
            from bench.w_collection import dunning_workload
            return dunning_workload(bench)
        if step == "transfer":
            from bench.w_collection import transfer_workload
            return transfer_workload(bench)
        if step == "payments_file":
            from bench.w_collection import write_payments_file
            return {"payments_file": write_payments_file(bench, args.file, args.count)}
        if step == "import":
            from bench.w_collection import import_workload
            return import_workload(bench, args.file)
        if step == "append":
            from bench.w_audit import append
            return append(bench, args.count)
        if step == "append_until":
            from bench.w_audit import append_until
            return append_until(bench, args.start_at, args.stop_at)
        if step == "grow_chain":
            from bench.w_audit import grow_chain
            return {"grow_chain": grow_chain(bench, args.count)}
        if step == "verify":
            from bench.w_audit import verify
            return verify(bench)
        raise SystemExit(f"unknown step {step}")
    finally:
        bench.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--plain", action="store_true", help="field encryption off (bench.plain)")
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--user", default="")
    parser.add_argument("--queries", default="")
    parser.add_argument("--launched-at", type=float, default=0.0)
    parser.add_argument("--start-at", type=float, default=0.0)
    parser.add_argument("--stop-at", type=float, default=0.0)
    args = parser.parse_args(argv)
    if args.launched_at == 0.0:
        args.launched_at = time.time()
    if args.plain:
        from bench.plain import switch_encryption_off
        switch_encryption_off()
    result = _run(args.step, args)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
