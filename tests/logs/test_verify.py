"""Verifying the audit chain: intact chains pass, each kind of tampering is named (both backends)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.ports import AuditEvent
from logs.chain import event_hash
from logs.chain_rows import COLUMNS as _COLUMNS, _NAMES, fast_hash as _fast_hash
from logs.verify import PROBLEMS, verify_chain
from logs.writer import AuditWriter
from storage.crypto.signing import audit_signing_key
from storage.schema import audit_checkpoints, audit_events, audit_head
from storage.store import Store
from tests.logs.chain_helpers import (
    CONTENT,
    actor,
    append,
    append_forged_after_head,
    checkpoint,
    checkpointer,
    delete_rows,
    insert_forged_renumbering,
    rehash_from,
    row,
    set_fields,
    swap,
    truncate_tail,
    verify,
)


class TestIntactChains:
    def test_an_empty_chain_verifies_clean(self, store: Store) -> None:
        report = verify(store)
        assert (report.ok, report.checked, report.problem, report.head_seq) == (True, 0, None, 0)

    def test_an_untouched_chain_verifies_clean(self, store: Store) -> None:
        append(store, 12)
        report = verify(store)
        assert report.ok and report.problem is None and report.first_bad_seq is None
        assert (report.checked, report.head_seq) == (12, 12)
        assert "改ざんは見つかりませんでした" in report.detail

    def test_an_untouched_chain_with_checkpoints_in_table_and_file_verifies_clean(
            self, store: Store, tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        append(store, 3)
        checkpoint(store, cp, "logout")
        append(store, 4)
        checkpoint(store, cp, "interval")
        report = verify(store, cp.file)
        assert report.ok and report.checked == 7 and report.checkpoints_checked == 2

    def test_awkward_values_hash_the_same_on_the_fast_path_as_in_the_reference(
            self, store: Store) -> None:
        odd = ['引用"符"\\と改行\n', "\t\x01\x7f", "𠮷野家", "", "é́"]
        with store.engine.begin() as conn:
            writer = AuditWriter(conn)
            for text in odd:
                writer.record(actor(), AuditEvent(action="search", target_ref=text or None,
                                                  details={"k": text, "z": [1, None, True]}))
        with store.reading() as conn:
            raws = conn.execute(select(*_COLUMNS).order_by(audit_events.c.seq)).all()
            full = conn.execute(select(audit_events).order_by(audit_events.c.seq)).all()
        for raw, typed in zip(raws, full, strict=True):
            assert _fast_hash(raw) == event_hash(typed.prev_hash, typed._mapping) == typed.hash
        assert len(_NAMES) == len(raws[0])
        assert verify(store).ok

    def test_verification_from_a_seq_trusts_the_stored_hash_before_it(self, store: Store) -> None:
        append(store, 10)
        set_fields(store, 3, target_ref="0000000777")  # before the start: not looked at
        report = verify(store, from_seq=6)
        assert report.ok and report.checked == 5

    def test_verification_from_a_seq_still_finds_later_tampering(self, store: Store) -> None:
        append(store, 10)
        set_fields(store, 8, outcome="denied")
        report = verify(store, from_seq=6)
        assert (report.problem, report.first_bad_seq) == ("modified", 8)

    def test_a_plain_connection_is_verified_in_one_read_snapshot(self, store: Store) -> None:
        append(store, 5)
        with store.engine.connect() as conn:
            report = verify_chain(conn, public_key=audit_signing_key(store.kek).public_key(),
                                  checkpoint_file=None)
            assert not conn.info.get("nozei_readonly")
        assert report.ok and report.checked == 5

    def test_every_problem_name_is_one_of_the_documented_ones(self) -> None:
        assert set(PROBLEMS) == {"modified", "missing", "reordered", "inserted", "truncated",
                                 "bad_signature", "checkpoint_mismatch"}


class TestTamperedEvents:
    def test_a_changed_field_is_reported_as_modified_at_its_seq(self, store: Store) -> None:
        append(store, 10)
        set_fields(store, 4, details='{"n":3,"tab":"滞納"}')
        report = verify(store)
        assert (report.ok, report.problem, report.first_bad_seq) == (False, "modified", 4)
        assert report.checked == 3
        assert report.detail == "seq 4: 内容が改ざんされています"

    def test_a_changed_field_with_its_hash_recomputed_is_reported_at_that_seq(
            self, store: Store) -> None:
        append(store, 10)
        changed = row(store, 5) | {"user_id": "someone-else"}
        set_fields(store, 5, user_id="someone-else", hash=event_hash(changed["prev_hash"], changed))
        report = verify(store)
        assert (report.problem, report.first_bad_seq) == ("modified", 5)

    def test_a_row_deleted_in_the_middle_is_reported_as_missing(self, store: Store) -> None:
        append(store, 10)
        delete_rows(store, 6)
        report = verify(store)
        assert (report.problem, report.first_bad_seq) == ("missing", 6)

    def test_several_rows_deleted_report_the_first_missing_seq(self, store: Store) -> None:
        append(store, 10)
        delete_rows(store, 7, 3, 4)
        report = verify(store)
        assert (report.problem, report.first_bad_seq) == ("missing", 3)

    def test_a_row_deleted_and_the_rest_renumbered_down_is_reported_as_missing(
            self, store: Store) -> None:
        append(store, 10)
        delete_rows(store, 6)
        with store.engine.begin() as conn:
            for seq in range(7, 11):
                conn.execute(update(audit_events).where(audit_events.c.seq == seq).values(seq=seq - 1))
            conn.execute(update(audit_head).values(seq=9))
        report = verify(store)
        assert (report.problem, report.first_bad_seq) == ("missing", 6)

    def test_a_rewritten_head_hash_is_reported_at_the_last_seq(self, store: Store) -> None:
        append(store, 4)
        with store.engine.begin() as conn:
            conn.execute(update(audit_head).values(hash="a" * 64))
        report = verify(store)
        assert (report.problem, report.first_bad_seq) == ("modified", 4)

    def test_a_missing_start_row_for_verification_from_a_seq_is_reported(self, store: Store) -> None:
        append(store, 6)
        delete_rows(store, 3)
        report = verify(store, from_seq=4)
        assert (report.problem, report.first_bad_seq, report.checked) == ("missing", 3, 0)

    def test_two_adjacent_rows_swapped_whole_are_reported_as_reordered_at_the_lower_seq(
            self, store: Store) -> None:
        append(store, 10)
        swap(store, 4, 5, columns=(*CONTENT, "prev_hash", "hash"))
        report = verify(store)
        assert (report.problem, report.first_bad_seq) == ("reordered", 4)

    def test_two_distant_rows_swapped_whole_are_reported_as_reordered(self, store: Store) -> None:
        append(store, 12)
        swap(store, 3, 9, columns=(*CONTENT, "prev_hash", "hash"))
        report = verify(store)
        assert (report.problem, report.first_bad_seq) == ("reordered", 3)

    def test_two_rows_with_only_their_contents_swapped_are_reported_as_reordered(
            self, store: Store) -> None:
        append(store, 12)
        swap(store, 6, 8, columns=CONTENT)
        report = verify(store)
        assert (report.problem, report.first_bad_seq) == ("reordered", 6)
        assert "seq 8" in report.detail

    def test_a_forged_row_inserted_by_renumbering_is_reported_as_inserted(
            self, store: Store) -> None:
        append(store, 10)
        insert_forged_renumbering(store, 5)
        report = verify(store)
        assert (report.problem, report.first_bad_seq) == ("inserted", 5)
        assert report.checked == 5  # the forgery itself links correctly; its successor does not

    def test_a_forged_row_appended_after_the_head_is_reported_as_inserted(
            self, store: Store) -> None:
        append(store, 6)
        seq = append_forged_after_head(store)
        report = verify(store)
        assert (report.problem, report.first_bad_seq, report.head_seq) == ("inserted", seq, 6)

    def test_the_head_pointing_beyond_the_last_event_is_reported_as_truncated(
            self, store: Store) -> None:
        append(store, 8)
        delete_rows(store, 7, 8)
        report = verify(store)
        assert (report.problem, report.first_bad_seq) == ("truncated", 7)

    def test_a_truncated_tail_with_a_rewritten_head_is_caught_by_a_table_checkpoint(
            self, store: Store, tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        append(store, 10)
        checkpoint(store, cp)
        truncate_tail(store, 8)
        report = verify(store)  # no file: the table alone
        assert (report.problem, report.first_bad_seq) == ("truncated", 8)

    def test_a_truncated_tail_with_head_and_table_checkpoints_wiped_is_caught_by_the_file(
            self, store: Store, tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        append(store, 4)
        checkpoint(store, cp)
        append(store, 6)
        checkpoint(store, cp)
        truncate_tail(store, 6)
        with store.engine.begin() as conn:
            conn.execute(audit_checkpoints.delete().where(audit_checkpoints.c.seq > 5))
        assert verify(store).ok  # undetectable without the file ...
        report = verify(store, cp.file)  # ... and caught with it
        assert (report.problem, report.first_bad_seq) == ("truncated", 6)

    def test_a_chain_rewritten_from_a_seq_on_is_caught_by_a_later_checkpoint(
            self, store: Store, tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        append(store, 5)
        checkpoint(store, cp)
        append(store, 5)
        set_fields(store, 3, outcome="error")
        rehash_from(store, 3)
        report = verify(store, cp.file)
        assert (report.problem, report.first_bad_seq) == ("checkpoint_mismatch", 5)

    def test_only_the_first_problem_in_seq_order_is_reported(self, store: Store) -> None:
        append(store, 12)
        delete_rows(store, 9)
        set_fields(store, 4, outcome="error")
        report = verify(store)
        assert (report.problem, report.first_bad_seq) == ("modified", 4)


class TestTamperedCheckpoints:
    def test_a_tampered_checkpoint_signature_is_reported(self, store: Store, tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        append(store, 6)
        checkpoint(store, cp)
        append(store, 2)
        with store.engine.begin() as conn:
            sig = conn.execute(select(audit_checkpoints.c.signature)).scalar_one()
            forged_sig = ("0" if sig[0] != "0" else "1") + sig[1:]
            conn.execute(update(audit_checkpoints).values(signature=forged_sig))
        for file in (None, cp.file):
            report = verify(store, file)
            assert (report.problem, report.first_bad_seq) == ("bad_signature", 6)

    def test_a_checkpoint_moved_to_another_seq_fails_its_signature(self, store: Store,
                                                                   tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        append(store, 6)
        checkpoint(store, cp)
        with store.engine.begin() as conn:
            conn.execute(update(audit_checkpoints).values(seq=3))
        report = verify(store)
        assert (report.problem, report.first_bad_seq) == ("bad_signature", 3)

    def test_a_deleted_checkpoint_file_line_is_reported_as_a_mismatch(
            self, store: Store, tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        for _ in range(3):
            append(store, 3)
            checkpoint(store, cp)
        lines = cp.file.read_text("utf-8").splitlines(keepends=True)
        cp.file.write_text(lines[0] + lines[2], "utf-8")
        report = verify(store, cp.file)
        assert (report.problem, report.first_bad_seq) == ("checkpoint_mismatch", 6)
        assert "ファイル" in report.detail

    def test_an_unreadable_checkpoint_file_line_is_reported(self, store: Store, tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        append(store, 3)
        checkpoint(store, cp)
        with cp.file.open("a", encoding="utf-8") as fh:
            fh.write("{not json\n")
        report = verify(store, cp.file)
        assert (report.problem, report.first_bad_seq) == ("checkpoint_mismatch", None)
        assert "2 行目" in report.detail

    def test_a_file_line_whose_transaction_rolled_back_is_tolerated_when_it_matches_the_chain(
            self, store: Store, tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        append(store, 4)
        with store.engine.connect() as conn, conn.begin() as tx:
            cp.checkpoint(conn, "manual")
            tx.rollback()
        assert len(cp.file.read_text("utf-8").splitlines()) == 1
        report = verify(store, cp.file)
        assert report.ok and report.checkpoints_checked == 1

    def test_a_file_line_with_a_forged_head_hash_is_reported(self, store: Store, tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        append(store, 4)
        checkpoint(store, cp)
        line = json.loads(cp.file.read_text("utf-8"))
        line["head_hash"] = "f" * 64
        cp.file.write_text(json.dumps(line) + "\n", "utf-8")
        report = verify(store, cp.file)
        assert (report.problem, report.first_bad_seq) == ("bad_signature", 4)

    def test_checkpoint_signatures_need_the_right_key(self, store: Store, tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        append(store, 3)
        checkpoint(store, cp)
        with store.reading() as conn:
            report = verify_chain(conn, public_key=audit_signing_key(b"k" * 32).public_key(),
                                  checkpoint_file=cp.file)
        assert (report.problem, report.first_bad_seq) == ("bad_signature", 3)


class TestParallelSegments:
    """Long chains are proved in segments, one process each; any problem hands back to the
    single walk, so it is named exactly as above (here forced on ten-event chains)."""

    @pytest.fixture(autouse=True)
    def _segments_for_short_chains(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import logs.verify_segments as segments

        monkeypatch.setattr(segments, "MIN_EVENTS", 2)
        monkeypatch.setattr(segments.os, "cpu_count", lambda: 3)

    def test_the_segments_cover_the_range_once_in_order(self) -> None:
        from logs.verify_segments import segments

        for first, last, parts in ((1, 10, 3), (5, 5, 2), (1, 1_000_001, 2), (7, 9, 8)):
            plan = segments(first, last, parts)
            assert plan[0][0] == first and plan[-1][1] == last
            assert all(a[1] + 1 == b[0] for a, b in zip(plan, plan[1:]))
            assert all(lo <= hi for lo, hi in plan)

    def test_an_untouched_chain_is_proved_by_the_segments(self, store: Store,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
        import logs.verify as verify_module

        proved: list[object] = []
        real = verify_module.verify_segments
        monkeypatch.setattr(verify_module, "verify_segments", lambda *a: proved.append(real(*a)) or proved[-1])
        append(store, 10)
        report = verify(store)
        assert (report.ok, report.checked, report.head_seq) == (True, 10, 10)
        assert proved and proved[0] is not None  # the segments did prove it (a file / server database)

    def test_a_change_inside_a_segment_is_named_as_by_the_single_walk(self, store: Store) -> None:
        append(store, 10)
        set_fields(store, 5, details='{"n":4,"tab":"滞納"}')
        report = verify(store)
        assert (report.ok, report.problem, report.first_bad_seq, report.checked) == (False, "modified", 5, 4)

    def test_a_row_deleted_at_a_segment_boundary_is_missing(self, store: Store) -> None:
        append(store, 9)
        delete_rows(store, 4)  # three segments of 3: the first row of the second
        report = verify(store)
        assert (report.problem, report.first_bad_seq) == ("missing", 4)

    def test_a_rewritten_stored_hash_at_the_end_of_a_segment_is_caught(self, store: Store) -> None:
        append(store, 9)
        set_fields(store, 3, hash="f" * 64)  # the next segment starts from this stored hash
        report = verify(store)
        assert not report.ok and report.first_bad_seq == 3

    def test_a_checkpoint_in_a_proved_range_is_still_compared(self, store: Store, tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        append(store, 4)
        checkpoint(store, cp, "interval")
        append(store, 5)
        set_fields(store, 2, outcome="error")
        rehash_from(store, 2)  # a consistent rewrite: only the signed checkpoint can tell
        report = verify(store, cp.file)
        assert not report.ok and report.problem == "checkpoint_mismatch" and report.first_bad_seq == 4
