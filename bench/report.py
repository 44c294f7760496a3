"""The targets of issue 9 and the tables of ``bench/RESULTS.md``, made from ``bench/results/*.json``.

Only the blocks between ``<!-- generated: SCALE -->`` markers are rewritten;
the prose around them (what was changed, the gaps and their profiles) is kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["TARGETS", "Target", "write_results_md", "render_scale"]

ROOT = Path(__file__).resolve().parent.parent
RESULTS_MD = ROOT / "bench" / "RESULTS.md"
RESULTS = ROOT / "bench" / "results"
KINDS = ("atena_no", "notice_no", "my_number", "kana_name", "kana_surname_birth", "phone")
KIND_LABELS = {"atena_no": "宛名番号", "notice_no": "通知書番号", "my_number": "個人番号", "kana_name": "カナ氏名",
               "kana_surname_birth": "カナ姓＋生年月日", "phone": "電話番号"}
Figures = dict[str, dict[str, Any]]


def _get(figs: Figures, key: str, field: str) -> float | None:
    value = figs.get(key, {}).get(field)
    return float(value) if isinstance(value, int | float) else None


@dataclass(frozen=True, slots=True)
class Target:
    label: str
    bound: str  # "≤ 2 ms"
    value: Callable[[dict[str, Figures], str], float | None]  # (all figures, backend) → value
    ok: Callable[[float], bool]
    unit: str
    backends: tuple[str, ...] = ("sqlite", "postgresql")


def _metric(key: str, field: str) -> Callable[[dict[str, Figures], str], float | None]:
    return lambda figs, backend: _get(figs.get(backend, {}), key, field)


def _ratio(key: str, field: str, over: str, under: str, *, invert: bool = False
           ) -> Callable[[dict[str, Figures], str], float | None]:
    def value(figs: dict[str, Figures], backend: str) -> float | None:
        a, b = _get(figs.get(over, {}), key, field), _get(figs.get(under, {}), key, field)
        if a is None or b is None or (b == 0 if not invert else a == 0):
            return None
        return round(b / a, 2) if invert else round(a / b, 2)
    return value


def _worst_search_ratio(over: str, under: str) -> Callable[[dict[str, Figures], str], float | None]:
    def value(figs: dict[str, Figures], backend: str) -> float | None:
        ratios = [_ratio(f"search.{k}", "median_ms", over, under)(figs, backend) for k in KINDS]
        ratios = [r for r in ratios if r is not None]
        return max(ratios) if ratios else None
    return value


TARGETS: tuple[Target, ...] = (
    *(Target(f"search by {KIND_LABELS[k]}: median", "≤ 2 ms", _metric(f"search.{k}", "median_ms"),
             lambda v: v <= 2.0, "ms") for k in KINDS),
    *(Target(f"search by {KIND_LABELS[k]}: p99", "≤ 10 ms", _metric(f"search.{k}", "p99_ms"),
             lambda v: v <= 10.0, "ms") for k in KINDS),
    Target("taxpayer detail load (screen)", "≤ 20 ms", _metric("detail.screen", "median_ms"),
           lambda v: v <= 20.0, "ms"),
    Target("payment import", "≥ 50,000 records/s", _metric("import.payments", "records_per_s"),
           lambda v: v >= 50_000, "/s"),
    Target("payment import: peak memory", "≤ 300 MB", _metric("import.payments", "peak_rss_mb"),
           lambda v: v <= 300, "MB"),
    Target("延滞金 recomputation", "≥ 300,000 periods/s", _metric("batch.entaikin", "periods_per_s"),
           lambda v: v >= 300_000, "/s"),
    Target("audit verify", "≥ 1,000,000 events/s", _metric("audit.verify", "events_per_s"),
           lambda v: v >= 1_000_000, "/s"),
    Target("start to login screen", "≤ 1.0 s", _metric("tui.start_to_login", "median_s"),
           lambda v: v <= 1.0, "s"),
    Target("TUI memory with the database open", "≤ 150 MB", _metric("tui.memory", "rss_mb"),
           lambda v: v <= 150, "MB"),
    Target("encryption cost on search (worst kind, median)", "≤ 1.2×", _worst_search_ratio("sqlite", "sqlite-plain"),
           lambda v: v <= 1.2, "×", ("sqlite",)),
    Target("encryption cost on import", "≤ 1.5×",
           _ratio("import.payments", "records_per_s", "sqlite", "sqlite-plain", invert=True),
           lambda v: v <= 1.5, "×", ("sqlite",)),
    Target("PostgreSQL / SQLite, search (worst kind, median)", "≤ 2×", _worst_search_ratio("postgresql", "sqlite"),
           lambda v: v <= 2.0, "×", ("postgresql",)),
    Target("PostgreSQL / SQLite, detail load", "≤ 2×", _ratio("detail.screen", "median_ms", "postgresql", "sqlite"),
           lambda v: v <= 2.0, "×", ("postgresql",)),
    Target("PostgreSQL / SQLite, 8 concurrent audit writers", "> 1× (ahead)",
           _ratio("audit.append_8", "events_per_s", "postgresql", "sqlite"),
           lambda v: v > 1.0, "×", ("postgresql",)),
)


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "/s":
        return f"{value:,.0f}/s"
    if unit == "×":
        return f"{value:.2f}×"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:,.2f} {unit}"


def _cell(target: Target, figs: dict[str, Figures], backend: str) -> str:
    if backend not in target.backends:
        return ""
    value = target.value(figs, backend)
    if value is None:
        return "—"
    return f"{_fmt(value, target.unit)} {'✅' if target.ok(value) else '❌'}"


def _latency_rows(figs: dict[str, Figures], backends: list[str]) -> list[str]:
    rows = ["| latency (ms) | " + " | ".join(f"{b} median / p95 / p99" for b in backends) + " | results per search (mean, max) |",
            "|---|" + "---|" * len(backends) + "---|"]
    keys = [(f"search.{k}", f"search: {KIND_LABELS[k]}") for k in KINDS]
    keys += [(f"search_service.{k}", f"search service alone (no session check): {KIND_LABELS[k]}") for k in KINDS]
    keys += [("detail.screen", "taxpayer screen opens (4 services)"), ("detail.account", "its periods alone"),
             ("tui.search_to_rows", "TUI: F5 to rows drawn (カナ氏名)")]
    for key, label in keys:
        cells = []
        for b in backends:
            f = figs.get(b, {}).get(key)
            cells.append(f"{f['median_ms']:.2f} / {f['p95_ms']:.2f} / {f['p99_ms']:.2f}" if f else "—")
        sample = next((figs[b][key] for b in backends if key in figs.get(b, {})), {})
        extra = (f"{sample['rows_mean']} / {sample.get('rows_max', '')}" if "rows_mean" in sample
                 else f"{sample['periods_mean']} periods" if "periods_mean" in sample else "")
        rows.append(f"| {label} | " + " | ".join(cells) + f" | {extra} |")
    return rows


_RATES = (("import.payments", "records_per_s", "収納データ import (parse + post, one transaction)"),
          ("transfer.request", "records_per_s", "口座振替 請求 file"),
          ("transfer.result", "records_per_s", "口座振替 結果 import"),
          ("batch.dunning", "periods_per_s", "督促 batch (periods looked at)"),
          ("batch.entaikin", "periods_per_s", "延滞金 over every unpaid period (nozei report unpaid)"),
          ("audit.append_1", "events_per_s", "audit append, 1 writer"),
          ("audit.append_8", "events_per_s", "audit append, 8 writer processes"),
          ("audit.append_8_async", "events_per_s",
           "audit append, 8 writer processes, PostgreSQL with synchronous_commit = off (SQLite's durability)"),
          ("audit.verify", "events_per_s", "audit verify"))


def _rate_rows(figs: dict[str, Figures], backends: list[str]) -> list[str]:
    rows = ["| throughput | " + " | ".join(f"{b}: count, seconds, rate" for b in backends) + " |",
            "|---|" + "---|" * len(backends)]
    for key, field, label in _RATES:
        cells = []
        for b in backends:
            f = figs.get(b, {}).get(key)
            cells.append(f"{f['count']:,} in {f['seconds']:,.1f} s = **{f[field]:,.0f}/s**" if f else "—")
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    mem = [("import.payments", "peak_rss_mb", "import: peak RSS"), ("tui.memory", "rss_mb", "TUI: RSS after searching"),
           ("tui.start_to_login", "median_s", "TUI: start to login screen (median of runs)")]
    for key, field, label in mem:
        cells = [_fmt(_get(figs.get(b, {}), key, field), "s" if field.endswith("_s") else "MB") for b in backends]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return rows


def render_scale(data: dict[str, Any]) -> str:
    figs: dict[str, Figures] = data.get("figures", {})
    backends = [b for b in ("sqlite", "postgresql", "sqlite-plain") if b in figs]
    p, m = data["parameters"], data["machine"]
    out = [f"## {p['taxpayers']:,} taxpayers (`make {'bench' if data['scale'] == 'full' else 'bench-quick'}`)", ""]
    pg = m.get("postgresql") or {}
    out.append(f"Measured {m['date']} on {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB; Python "
               f"{m['python']}, SQLite {m['sqlite']}, SQLAlchemy {m['sqlalchemy']}, Textual {m['textual']}"
               + (f", PostgreSQL {pg.get('version')} (shared_buffers {pg.get('shared_buffers')}, "
                  f"synchronous_commit {pg.get('synchronous_commit')})" if pg else "") + ".")
    out.append("")
    out.append("| dataset | built by `nozei demo` in | peak memory | then checkpoint / VACUUM ANALYZE | size on disk "
               "| taxpayers | periods | payments | audit events |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for name, info in data.get("datasets", {}).items():
        c = info.get("counts", {})
        size = info["size_bytes"]
        shown = f"{size / 1024**3:.2f} GiB" if size >= 1024**3 else f"{size / 1024**2:,.0f} MiB"
        out.append(f"| {name} | {info['build_seconds']:,.0f} s | {info.get('build_peak_rss_mb', 0):,} MB | "
                   f"{info.get('settle_seconds', 0):,.0f} s | {shown} | "
                   f"{c.get('taxpayers', 0):,} | {c.get('assessments', 0):,} | {c.get('payments', 0):,} | "
                   f"{c.get('audit_events', 0):,} |")
    out += ["", "### Targets", "", "| target | bound | SQLite | PostgreSQL |", "|---|---|---|---|"]
    for t in TARGETS:
        out.append(f"| {t.label} | {t.bound} | {_cell(t, figs, 'sqlite')} | {_cell(t, figs, 'postgresql')} |")
    out += ["", "### Latency", "", *_latency_rows(figs, backends), "", "### Throughput and memory", "",
            *_rate_rows(figs, backends), "", *_load_rows(figs, backends)]
    return "\n".join(out)


def _load_rows(figs: dict[str, Figures], backends: list[str]) -> list[str]:
    """The machine's 1-minute load average as each step began: on 2 cores, a step that began
    above about 1.5 shared the machine with something else (a dataset build)."""
    loads = {b: figs[b].get("_load") for b in backends if figs[b].get("_load")}
    if not loads:
        return []
    rows = ["1-minute load average when each step began (2 cores; one benchmark process is about 1.0, so a "
            "figure that began well above that shared the machine with other work):", ""]
    for b, steps in loads.items():
        rows.append(f"- {b}: " + ", ".join(f"{step} {value:.1f}" for step, value in steps.items()))
    return [*rows, ""]


def write_results_md() -> None:
    text = RESULTS_MD.read_text(encoding="utf-8") if RESULTS_MD.exists() else "# Benchmark results\n"
    for scale in ("full", "quick"):
        path = RESULTS / f"{scale}.json"
        if not path.exists():
            continue
        block = (f"<!-- generated: {scale} (bench/report.py from bench/results/{scale}.json; edits here are lost) -->\n"
                 f"{render_scale(json.loads(path.read_text(encoding='utf-8')))}\n<!-- /generated: {scale} -->")
        pattern = re.compile(rf"<!-- generated: {scale} .*?<!-- /generated: {scale} -->", re.S)
        if pattern.search(text):
            text = pattern.sub(lambda _m: block, text)
        else:
            anchor = "<!-- generated: quick" if scale == "full" and "<!-- generated: quick" in text else "\n## "
            at = text.find(anchor)
            text = text + "\n" + block + "\n" if at < 0 else text[:at] + ("" if anchor.startswith("<") else "\n") \
                + block + "\n\n" + text[at:].lstrip("\n")
    RESULTS_MD.write_text(text, encoding="utf-8")
