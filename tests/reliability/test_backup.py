"""Backups: `nozei backup create / check / restore` on SQLite and PostgreSQL.

A backup is encrypted and authenticated with a key derived from the key file
(never inside it); a restore checks everything before it replaces anything and
replaces every row in one transaction.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from core.config import Config
from core.errors import PermissionDenied
from core.security.permissions import Actor, Permission
from core.services.backups import check_backup_file, create_backup, restore_backup
from core.services.payments import import_payments
from logs.writer import AuditWriter
from storage.backup import BackupError
from storage.schema import audit_events, metadata, sessions
from storage.store import Store, create_store, open_store
from tests.collection.helpers import CLERK, conserved, pay, seed
from tui import compose

ADMIN = Actor("admin1", frozenset({Permission.ADMIN_KEYS.value}), session_id=None)
CLERK_ONLY = Actor("clerk1", frozenset(p.value for p in Permission if p is not Permission.ADMIN_KEYS))
NAME = "山田　太郎"


def _wired(store: Store) -> Store:
    store.after_commit.extend([compose.mirror_committed])
    return store


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in key order."""
    with store.reading() as conn:
        return {t.name: [tuple(r) for r in conn.execute(
                    select(t).order_by(*(list(t.primary_key.columns) or list(t.columns))))]
                for t in metadata.sorted_tables}


def business(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """Every table but the audit log's own."""
    return {name: r for name, r in rows.items() if not name.startswith("audit_")}


def populate(store: Store) -> None:
    for n in (1, 2, 3):
        seed(store, {"notice_no": f"20250100000{n:02d}"}, n=n)
    payments = [pay(f"K{n}", 10_000, date(2025, 7, 1), notice=f"20250100000{n:02d}") for n in (1, 2)]
    import_payments(store.uow(), CLERK, payments, sha256="a" * 64, file_name="first.csv")
    compose.checkpoint(store, "manual")


def later_work(store: Store) -> None:
    seed(store, {"notice_no": "2025010000099"}, n=99)
    import_payments(store.uow(), CLERK, [pay("K9", 5_000, date(2025, 8, 1), notice="2025010000003")],
                    sha256="b" * 64, file_name="second.csv")


@pytest.fixture
def populated(store: Store) -> Store:
    _wired(store)
    populate(store)
    return store


class TestBackupCreate:
    def test_the_backup_is_a_new_private_file_with_no_plaintext_and_no_key(
            self, populated: Store, tmp_path: Path) -> None:
        target = tmp_path / "b.nzb"
        summary = create_backup(populated.uow(), ADMIN, compose.backups(populated), target)
        data = target.read_bytes()
        assert summary.sha256 and summary.size == len(data)
        assert summary.rows["taxpayers"] == 3 and summary.rows["payments"] == 2
        assert oct(target.stat().st_mode & 0o777) == "0o600"
        assert NAME.encode() not in data and "ヤマダ".encode() not in data
        assert b"nozei-kek" not in data and populated.kek not in data
        assert not list(tmp_path.glob(".*.partial"))

    def test_creating_it_is_audited_with_its_digest(self, populated: Store, tmp_path: Path) -> None:
        summary = create_backup(populated.uow(), ADMIN, compose.backups(populated), tmp_path / "b.nzb")
        with populated.reading() as conn:
            last = conn.execute(select(audit_events).order_by(audit_events.c.seq.desc()).limit(1)).one()
        assert last.action == "backup.create" and last.user_id == "admin1"
        assert '"sha256":"' + summary.sha256 in last.details.replace(" ", "")

    def test_an_existing_file_is_never_overwritten(self, populated: Store, tmp_path: Path) -> None:
        target = tmp_path / "b.nzb"
        target.write_bytes(b"precious")
        with pytest.raises(BackupError, match="上書きしません"):
            create_backup(populated.uow(), ADMIN, compose.backups(populated), target)
        assert target.read_bytes() == b"precious"

    def test_only_a_key_administrator_may_back_up(self, populated: Store, tmp_path: Path) -> None:
        with pytest.raises(PermissionDenied):
            create_backup(populated.uow(), CLERK_ONLY, compose.backups(populated), tmp_path / "b.nzb")
        assert not (tmp_path / "b.nzb").exists()


class TestBackupRestore:
    def test_a_restore_brings_back_every_business_row_and_keeps_the_audit_log_since_the_backup(
            self, populated: Store, tmp_path: Path) -> None:
        backups = compose.backups(populated)
        at_backup = dump(populated)
        create_backup(populated.uow(), ADMIN, backups, tmp_path / "b.nzb")
        later_work(populated)
        before_restore = dump(populated)
        assert before_restore != at_backup

        restore_backup(populated.uow(), ADMIN, backups, tmp_path / "b.nzb")

        after = dump(populated)
        for name, rows in at_backup.items():
            if not name.startswith("audit_"):
                assert after[name] == rows, name
        events = after["audit_events"]
        assert events[:-1] == before_restore["audit_events"]  # nothing recorded since the backup is lost
        restored = _events(populated)[-1]
        assert restored.action == "backup.restore" and '"audit_log":"kept"' in restored.details.replace(" ", "")
        assert compose.audit_log(populated).verify(1).ok
        assert conserved(populated)

    def test_a_new_database_after_a_loss_gets_the_backups_audit_log_and_checkpoint_file(
            self, populated: Store, tmp_path: Path, config: Config) -> None:
        at_backup = dump(populated)
        create_backup(populated.uow(), ADMIN, compose.backups(populated), tmp_path / "b.nzb")
        fresh = _fresh_store_with_the_same_key(populated, config, tmp_path)
        try:
            file = compose.audit_log(fresh).checkpointer.file
            restore_backup(fresh.uow(), ADMIN, compose.backups(fresh), tmp_path / "b.nzb")
            after = dump(fresh)
            for name, rows in at_backup.items():
                if name not in ("audit_events", "audit_head", "audit_checkpoints", "key_versions"):
                    assert after[name] == rows, name
            assert after["audit_events"][:-1] == at_backup["audit_events"]
            assert '"audit_log":"replaced"' in _events(fresh)[-1].details.replace(" ", "")
            assert compose.audit_log(fresh).verify(1).ok
            assert file.exists()  # the backup's checkpoints, then the restore's own
            with fresh.uow(readonly=True) as uow:
                assert uow.taxpayers.get(1) is not None and uow.taxpayers.get(1).name == NAME  # type: ignore[union-attr]
        finally:
            _close(fresh)

    def test_a_data_key_created_after_the_backup_survives_the_restore(
            self, populated: Store, tmp_path: Path) -> None:
        from storage.reencrypt import rotate

        create_backup(populated.uow(), ADMIN, compose.backups(populated), tmp_path / "b.nzb")
        assert rotate(populated, ADMIN) == 2
        restore_backup(populated.uow(), ADMIN, compose.backups(populated), tmp_path / "b.nzb")
        tid, _ = seed(populated, {"notice_no": "2025010000077"}, n=77)  # a session still on version 2
        reopened = open_store(populated.config, audit_factory=AuditWriter)
        try:
            with reopened.uow(readonly=True) as uow:
                found = uow.taxpayers.get(tid)
            assert found is not None and found.name == NAME
        finally:
            reopened.close()

    def test_a_checkpoint_written_while_the_tables_were_read_does_not_spoil_the_backup(
            self, populated: Store, tmp_path: Path, config: Config) -> None:
        file = compose.audit_log(populated).checkpointer.file
        line = file.read_text("utf-8").splitlines()[-1]
        later = line.replace('"seq":', '"seq":9', 1)  # a checkpoint beyond the snapshot's head
        with file.open("a", encoding="utf-8") as f:
            f.write(later + "\n")
        create_backup(populated.uow(), ADMIN, compose.backups(populated), tmp_path / "b.nzb")
        assert check_backup_file(populated.uow(), ADMIN, compose.backups(populated), tmp_path / "b.nzb")
        fresh = _fresh_store_with_the_same_key(populated, config, tmp_path)
        try:
            restore_backup(fresh.uow(), ADMIN, compose.backups(fresh), tmp_path / "b.nzb")
            assert compose.audit_log(fresh).verify(1).ok
        finally:
            _close(fresh)

    def test_new_rows_after_a_restore_get_fresh_ids(self, populated: Store, tmp_path: Path) -> None:
        backups = compose.backups(populated)
        create_backup(populated.uow(), ADMIN, backups, tmp_path / "b.nzb")
        later_work(populated)
        restore_backup(populated.uow(), ADMIN, backups, tmp_path / "b.nzb")
        tid, _ = seed(populated, {"notice_no": "2025010000050"}, n=50)
        assert tid == 4

    def test_check_reads_the_whole_backup_and_changes_nothing(self, populated: Store, tmp_path: Path) -> None:
        backups = compose.backups(populated)
        create_backup(populated.uow(), ADMIN, backups, tmp_path / "b.nzb")
        before = dump(populated)
        summary = check_backup_file(populated.uow(), ADMIN, backups, tmp_path / "b.nzb")
        assert summary.rows["taxpayers"] == 3
        assert business(dump(populated)) == business(before)  # only the refusal is audited

    @pytest.mark.parametrize("damage", ["flip", "truncate", "append", "header"])
    def test_a_damaged_backup_is_refused_and_nothing_changes(
            self, populated: Store, tmp_path: Path, damage: str) -> None:
        backups = compose.backups(populated)
        target = tmp_path / "b.nzb"
        create_backup(populated.uow(), ADMIN, backups, target)
        later_work(populated)
        data = bytearray(target.read_bytes())
        if damage == "flip":
            data[len(data) // 2] ^= 0x01
        elif damage == "truncate":
            del data[-40:]
        elif damage == "append":
            data += b"\x00" * 8
        else:
            data[data.index(b'"created_at":"') + 16] ^= 0x01
        target.write_bytes(bytes(data))
        before = dump(populated)
        with pytest.raises(BackupError):
            restore_backup(populated.uow(), ADMIN, backups, target)
        assert business(dump(populated)) == business(before)  # only the refusal is audited

    def test_a_backup_made_with_another_key_file_is_refused(
            self, populated: Store, tmp_path: Path, database_url: str) -> None:
        other_dir = tmp_path / "other"
        other = create_store(Config(data_dir=other_dir, database_url=f"sqlite:///{other_dir / 'o.db'}"),
                             municipality_code="999999", municipality_name="よそ市", demo=True,
                             audit_factory=AuditWriter)
        try:
            seed(other, {})
            create_backup(other.uow(), ADMIN, compose.backups(other), tmp_path / "foreign.nzb")
        finally:
            other.close()
        before = dump(populated)
        with pytest.raises(BackupError, match="別の鍵ファイル"):
            restore_backup(populated.uow(), ADMIN, compose.backups(populated), tmp_path / "foreign.nzb")
        assert business(dump(populated)) == business(before)  # only the refusal is audited

    def test_a_backup_whose_audit_chain_was_tampered_with_is_refused_after_loading_and_rolled_back(
            self, populated: Store, tmp_path: Path) -> None:
        with populated.engine.begin() as conn:
            conn.execute(update(audit_events).where(audit_events.c.seq == 1).values(action="tampered"))
        create_backup(populated.uow(), ADMIN, compose.backups(populated), tmp_path / "b.nzb")
        later_work(populated)
        before = dump(populated)
        with pytest.raises(BackupError, match="監査ログ"):
            restore_backup(populated.uow(), ADMIN, compose.backups(populated), tmp_path / "b.nzb")
        assert business(dump(populated)) == business(before)  # only the refusal is audited

    def test_a_restore_is_refused_while_someone_else_is_signed_in(
            self, populated: Store, tmp_path: Path) -> None:
        from datetime import UTC, datetime

        backups = compose.backups(populated)
        create_backup(populated.uow(), ADMIN, backups, tmp_path / "b.nzb")
        with populated.engine.begin() as conn:
            _session_for(conn, "busy-session", datetime.now(UTC))
        with pytest.raises(BackupError, match="利用中のセッション"):
            restore_backup(populated.uow(), ADMIN, backups, tmp_path / "b.nzb")

    def test_only_a_key_administrator_may_restore(self, populated: Store, tmp_path: Path) -> None:
        backups = compose.backups(populated)
        create_backup(populated.uow(), ADMIN, backups, tmp_path / "b.nzb")
        later_work(populated)
        before = dump(populated)
        with pytest.raises(PermissionDenied):
            restore_backup(populated.uow(), CLERK_ONLY, backups, tmp_path / "b.nzb")
        after = dump(populated)
        assert {k: v for k, v in after.items() if not k.startswith("audit")} == \
            {k: v for k, v in before.items() if not k.startswith("audit")}

    def test_check_refuses_a_backup_whose_audit_chain_does_not_verify(
            self, populated: Store, tmp_path: Path) -> None:
        with populated.engine.begin() as conn:
            conn.execute(update(audit_events).where(audit_events.c.seq == 1).values(action="tampered"))
        create_backup(populated.uow(), ADMIN, compose.backups(populated), tmp_path / "b.nzb")
        with pytest.raises(BackupError, match="監査ログ"):
            check_backup_file(populated.uow(), ADMIN, compose.backups(populated), tmp_path / "b.nzb")

    def test_a_refused_check_or_restore_is_audited_as_an_error(self, populated: Store, tmp_path: Path) -> None:
        target = tmp_path / "b.nzb"
        create_backup(populated.uow(), ADMIN, compose.backups(populated), target)
        target.write_bytes(target.read_bytes()[:-40])
        for attempt, action in ((check_backup_file, "backup.check"), (restore_backup, "backup.restore")):
            with pytest.raises(BackupError):
                attempt(populated.uow(), ADMIN, compose.backups(populated), target)
            last = _events(populated)[-1]
            assert (last.action, last.outcome, last.user_id) == (action, "error", "admin1")
        assert compose.audit_log(populated).verify(1).ok

    def test_a_restore_says_how_many_purges_after_the_backup_it_undid(self, populated: Store, tmp_path: Path) -> None:
        from core.ports import AuditEvent

        create_backup(populated.uow(), ADMIN, compose.backups(populated), tmp_path / "b.nzb")
        with populated.transaction() as (_conn, audit):
            audit.record(Actor("super1", frozenset()), AuditEvent(action="retention.purge", details={}))
        summary = restore_backup(populated.uow(), ADMIN, compose.backups(populated), tmp_path / "b.nzb")
        assert (summary.audit_log, summary.purges_undone) == ("kept", 1)

    def test_the_temporary_file_never_follows_a_link(self, populated: Store, tmp_path: Path) -> None:
        victim = tmp_path / "victim"
        victim.write_bytes(b"precious")
        (tmp_path / ".b.nzb.partial").symlink_to(victim)
        with pytest.raises(BackupError):
            create_backup(populated.uow(), ADMIN, compose.backups(populated), tmp_path / "b.nzb")
        assert victim.read_bytes() == b"precious" and not (tmp_path / "b.nzb").exists()


def _close(store: Store) -> None:
    url = str(store.engine.url.render_as_string(hide_password=False))
    store.close()
    if not url.startswith("sqlite"):
        from tests.conftest import drop_pg_database

        drop_pg_database(url)


def _fresh_store_with_the_same_key(store: Store, config: Config, tmp_path: Path) -> Store:
    """A new, empty database (after a loss) set up with the same key file."""
    if config.database_url and config.database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'fresh' / 'nozei.db'}"
    else:
        from tests.conftest import new_pg_database

        url = new_pg_database()
    fresh_config = Config(data_dir=tmp_path / "fresh", database_url=url, key_file=store.config.resolved_key_file)
    return _wired(create_store(fresh_config, municipality_code="999999", municipality_name="テスト市", demo=True,
                               audit_factory=AuditWriter))


def _events(store: Store) -> list[Any]:
    with store.reading() as conn:
        return list(conn.execute(select(audit_events).order_by(audit_events.c.seq)))


def _session_for(conn: Any, session_id: str, now: Any) -> None:
    from storage.schema import terminals, users

    user_id = conn.execute(users.insert().values(
        login_id="busy", display_name="x", password_hash="x", password_changed_at=now, created_at=now,
        updated_at=now, must_change_password=False, enc_version=1)).inserted_primary_key[0]
    conn.execute(terminals.insert().values(id="T-busy", name="x", created_at=now, created_by="t",
                                            can_export=False, is_counter=False, disabled=False))
    conn.execute(sessions.insert().values(id=session_id, user_id=user_id, terminal_id="T-busy",
                                          started_at=now, last_seen_at=now, locked=False))

