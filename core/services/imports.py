"""宛名 and 調定 imports (SPEC §7): upsert by atena_no / (notice number, 期別), with history.

They need ``payment.import`` — the section's file-import permission (SPEC §5.3
names no separate one for the 宛名 and 調定 files the collection clerks load).

Both take already-parsed rows (the file readers live in storage), check the
whole file against the database first — every problem is listed with its line
and nothing is applied — then apply everything in one transaction, record the
file's SHA-256 (the same file twice applies nothing) and audit a summary of
counts only.

- 宛名: a new atena_no is added; a known one whose values changed is updated
  (the old values stay as history, reason 「宛名取込」); an identical one is
  left alone.
- 調定: a new (notice, 期別) is added; a known one with a different 調定額 is
  a 更正 (kept as an amendment; a reduction below what was paid releases the
  excess to 過誤納, 17条); a known one whose taxpayer, 税目, 年度 or 納期限
  differ is an error — such a change is a new notice, not an update.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import date

from core.domain.assessment import Amendment, Assessment
from core.domain.taxpayer import Taxpayer
from core.errors import ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.ledger import load_policy
from core.services.posting import release_excess
from core.services.registry import service

__all__ = ["ImportProblems", "AtenaRow", "AssessmentRow", "RecordsSummary", "import_atena", "import_assessments"]


class ImportProblems(ValidationError):
    """Rows that cannot be applied; ``problems`` are (line, message) pairs."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        lines = "\n".join(f"{line}行目: {message}" for line, message in problems[:200])
        more = f"\n…ほか{len(problems) - 200}件" if len(problems) > 200 else ""
        super().__init__(f"取り込めない行があります（何も反映していません）:\n{lines}{more}", field="file")
        self.problems = problems


@dataclass(frozen=True, slots=True)
class AtenaRow:
    line: int
    taxpayer: Taxpayer

    def __repr__(self) -> str:
        return f"AtenaRow(line={self.line}, atena_no={self.taxpayer.atena_no!r})"


@dataclass(frozen=True, slots=True)
class AssessmentRow:
    line: int
    atena_no: str
    assessment: Assessment  # taxpayer_id is filled in by the service
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class RecordsSummary:
    kind: str
    file_name: str
    sha256: str
    records: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    amended: int = 0
    released: int = 0  # yen moved to 過誤納 by reductions
    assessed_total: int = 0
    already_imported: bool = False

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _same(a: Taxpayer, b: Taxpayer) -> bool:
    return all(getattr(a, f.name) == getattr(b, f.name) for f in fields(Taxpayer) if f.name != "id")


def _already(uow: UnitOfWork, actor: Actor, summary: RecordsSummary) -> RecordsSummary | None:
    previous = uow.batches.find(summary.kind, summary.sha256)  # type: ignore[attr-defined]
    if previous is None:
        return None
    uow.audit.record(actor, AuditEvent(action=f"{summary.kind}.import", outcome="denied", details={
        "sha256": summary.sha256, "file": summary.file_name, "reason": "already_imported",
        "first_batch": previous["id"]}))
    uow.commit()
    return replace(summary, already_imported=True, records=previous["records"])


def _finish(uow: UnitOfWork, actor: Actor, summary: RecordsSummary) -> None:
    details = {k: v for k, v in summary.to_dict().items() if k not in ("already_imported", "kind")}
    batch_id = uow.batches.add(summary.kind, summary.sha256, summary.file_name, summary.records, details)  # type: ignore[attr-defined]
    uow.audit.record(actor, AuditEvent(action=f"{summary.kind}.import", target_type="import_batch",
                                       target_ref=str(batch_id), details=details))
    uow.commit()


@service(Permission.PAYMENT_IMPORT)
def import_atena(uow: UnitOfWork, actor: Actor, rows: Sequence[AtenaRow], *, sha256: str, file_name: str,
                 progress: Callable[[int], None] | None = None) -> RecordsSummary:
    summary = RecordsSummary("atena", file_name, sha256, records=len(rows))
    with uow:
        done = _already(uow, actor, summary)
        if done is not None:
            return done
        problems: list[tuple[int, str]] = []
        current: list[Taxpayer | None] = []
        for row in rows:
            old = uow.taxpayers.get_by_atena(row.taxpayer.atena_no)
            if old is not None and old.kind != row.taxpayer.kind:
                problems.append((row.line, "個人・法人の区分は変更できません（別の宛名番号で登録してください）"))
            current.append(old)
        if problems:
            raise ImportProblems(problems)
        added = updated = unchanged = 0
        for n, (row, old) in enumerate(zip(rows, current, strict=True), start=1):
            if old is None:
                uow.taxpayers.add(row.taxpayer)
                added += 1
            elif _same(old, row.taxpayer):
                unchanged += 1
            else:
                uow.taxpayers.update(replace(row.taxpayer, id=old.id), reason="宛名取込")
                updated += 1
            if progress is not None and n % 500 == 0:
                progress(n)
        summary = replace(summary, added=added, updated=updated, unchanged=unchanged)
        _finish(uow, actor, summary)
    return summary


@service(Permission.PAYMENT_IMPORT)
def import_assessments(uow: UnitOfWork, actor: Actor, rows: Sequence[AssessmentRow], *, sha256: str,
                       file_name: str, on: date, progress: Callable[[int], None] | None = None) -> RecordsSummary:
    """*on* is the date the 更正 take effect (the import date)."""
    summary = RecordsSummary("assessments", file_name, sha256, records=len(rows))
    with uow:
        done = _already(uow, actor, summary)
        if done is not None:
            return done
        problems: list[tuple[int, str]] = []
        plans: list[tuple[AssessmentRow, Assessment, Assessment | None]] = []
        owners: dict[str, int | None] = {}
        for row in rows:
            if row.atena_no not in owners:
                taxpayer = uow.taxpayers.get_by_atena(row.atena_no)
                owners[row.atena_no] = taxpayer.id if taxpayer is not None else None
            owner = owners[row.atena_no]
            if owner is None:
                problems.append((row.line, "宛名番号が登録されていません（先に宛名を取り込んでください）"))
                continue
            new = replace(row.assessment, taxpayer_id=owner)
            old = uow.ledger.periods_by_notice(new.notice_no)  # type: ignore[attr-defined]
            old_period = next((a for a in old if a.period == new.period), None)
            if old_period is not None:
                for label, name in (("宛名番号", "taxpayer_id"), ("税目", "tax_code"), ("年度", "fiscal_year"),
                                    ("納期限", "due_date"), ("法定納期限", "statutory_due_date")):
                    if getattr(old_period, name) != getattr(new, name):
                        problems.append((row.line, f"既存の調定と{label}が異なります（変更は新しい通知書番号で）"))
                        break
            plans.append((row, new, old_period))
        if problems:
            raise ImportProblems(problems)
        policy = load_policy(uow)
        added = amended = unchanged = released = 0
        for n, (row, new, old_period) in enumerate(plans, start=1):
            if old_period is None:
                uow.assessments.add(new)
                added += 1
            elif old_period.assessed_amount == new.assessed_amount:
                unchanged += 1
            else:
                assert old_period.id is not None
                uow.assessments.amend(Amendment(old_period.id, on, old_period.assessed_amount,
                                                new.assessed_amount, row.reason or "調定取込による更正"))
                amended += 1
                if new.assessed_amount < old_period.assessed_amount:
                    released += release_excess(uow, replace(old_period, assessed_amount=new.assessed_amount),
                                               on, policy)
            if progress is not None and n % 500 == 0:
                progress(n)
        summary = replace(summary, added=added, amended=amended, unchanged=unchanged, released=released,
                          assessed_total=sum(new.assessed_amount for _, new, _ in plans))
        _finish(uow, actor, summary)
    return summary
