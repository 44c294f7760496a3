"""``assessments.honzei_paid``: Σ of the period's 本税 allocations, kept by triggers.

The ledger stays the record (signed rows in ``allocations``); the column is a
derived total the database maintains on every insert, delete and update of an
allocation, whichever code path made it: a row trigger on both databases (on
PostgreSQL a row trigger costs a third of a statement trigger with a transition
table when the driver sends a bulk insert row by row, as psycopg's pipelined
executemany does). :func:`recompute_paid` rebuilds the column from the ledger
(the migration that adds it; a restore, which loads allocations after periods).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

__all__ = ["create_paid_triggers", "drop_paid_triggers", "recompute_paid"]

_RECOMPUTE = """
UPDATE assessments SET honzei_paid = COALESCE((
    SELECT SUM(allocations.amount) FROM allocations
    WHERE allocations.assessment_id = assessments.id AND allocations.component = 'honzei'), 0)
"""

_SQLITE = (
    """CREATE TRIGGER tr_allocations_paid_insert AFTER INSERT ON allocations
       WHEN NEW.component = 'honzei'
       BEGIN
         UPDATE assessments SET honzei_paid = honzei_paid + NEW.amount WHERE id = NEW.assessment_id;
       END""",
    """CREATE TRIGGER tr_allocations_paid_delete AFTER DELETE ON allocations
       WHEN OLD.component = 'honzei'
       BEGIN
         UPDATE assessments SET honzei_paid = honzei_paid - OLD.amount WHERE id = OLD.assessment_id;
       END""",
    """CREATE TRIGGER tr_allocations_paid_update AFTER UPDATE OF amount, component, assessment_id ON allocations
       BEGIN
         UPDATE assessments SET honzei_paid = honzei_paid - OLD.amount
           WHERE id = OLD.assessment_id AND OLD.component = 'honzei';
         UPDATE assessments SET honzei_paid = honzei_paid + NEW.amount
           WHERE id = NEW.assessment_id AND NEW.component = 'honzei';
       END""",
)

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION nozei_allocations_paid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.component = 'honzei' THEN
    UPDATE assessments SET honzei_paid = honzei_paid - OLD.amount WHERE id = OLD.assessment_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.component = 'honzei' THEN
    UPDATE assessments SET honzei_paid = honzei_paid + NEW.amount WHERE id = NEW.assessment_id;
  END IF;
  RETURN NULL;
END
$$
"""

_PG = (
    _PG_FUNCTION,
    """CREATE TRIGGER tr_allocations_paid_insert AFTER INSERT ON allocations
       FOR EACH ROW EXECUTE FUNCTION nozei_allocations_paid()""",
    """CREATE TRIGGER tr_allocations_paid_delete AFTER DELETE ON allocations
       FOR EACH ROW EXECUTE FUNCTION nozei_allocations_paid()""",
    """CREATE TRIGGER tr_allocations_paid_update AFTER UPDATE OF amount, component, assessment_id ON allocations
       FOR EACH ROW EXECUTE FUNCTION nozei_allocations_paid()""",
)

_NAMES = ("tr_allocations_paid_insert", "tr_allocations_paid_delete", "tr_allocations_paid_update")


def recompute_paid(conn: Connection) -> None:
    conn.execute(text(_RECOMPUTE))


def create_paid_triggers(conn: Connection) -> None:
    for statement in _PG if conn.dialect.name == "postgresql" else _SQLITE:
        conn.execute(text(statement))


def drop_paid_triggers(conn: Connection) -> None:
    on = " ON allocations" if conn.dialect.name == "postgresql" else ""
    for name in _NAMES:
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name}{on}"))
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP FUNCTION IF EXISTS nozei_allocations_paid()"))
