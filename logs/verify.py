"""Verifying the audit chain (``nozei audit verify``, SPEC §5.4).

Events stream in seq order (server-side batches) through a specialised copy
of :func:`logs.chain.event_hash`; a mismatch is re-checked with the reference
before it counts. The first problem in seq order wins; a window after the break
is then read to classify it:

* ``missing``: a gap in seq, or a row hashing correctly one seq later;
* ``modified``: content not matching its hash (links intact), or a stored hash
  that is not what the successor recorded (the earlier seq is reported);
* ``reordered``: a row pointing to a *later* row's hash, or two rows whose
  contents hash correctly at each other's positions (the lower seq);
* ``inserted``: a row its successor skips, a self-consistent row linked to
  nothing, or a row beyond ``audit_head``;
* ``truncated``: ``audit_head`` or a validly signed checkpoint (table or file)
  names a seq beyond the last event (the first seq that should exist);
* ``bad_signature`` / ``checkpoint_mismatch``: a checkpoint or archive whose
  signature fails, a checkpoint whose head hash is not its event's hash, a table
  checkpoint missing from the file. A file line missing from the table is
  accepted when it matches the chain (its transaction rolled back after the
  append, see :mod:`logs.checkpoints`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Row, select

from core.services.audit import VerifyOutcome
from logs.archive import check_archives
from logs.chain import GENESIS_HASH
from logs.checkpoints import checkpoint_signature_ok, load_checkpoints
from logs.chain_rows import COLUMNS as _COLUMNS, HASH as _HASH, PREV as _PREV, SEQ as _SEQ
from logs.chain_rows import ref_hash as _ref_hash, valid as _valid
from logs.verify_segments import verify_segments
from storage.schema import audit_events, audit_head

__all__ = ["PROBLEMS", "VerifyReport", "verify_chain"]

PROBLEMS = ("missing", "modified", "reordered", "inserted", "truncated", "bad_signature",
            "checkpoint_mismatch")
_RANK = {name: rank for rank, name in enumerate(PROBLEMS)}
_BATCH = 20_000
_WINDOW = 64
_NO_SEQ = 1 << 62  # problems without a seq sort last



#: The report is the core's outcome type.
VerifyReport = VerifyOutcome


@dataclass(frozen=True, slots=True, order=True)
class _Finding:
    seq: int
    rank: int
    problem: str
    detail: str


def _finding(seq: int | None, problem: str, detail: str) -> _Finding:
    return _Finding(_NO_SEQ if seq is None else seq, _RANK[problem], problem, detail)


def _prepare(conn: Connection) -> bool:
    """A consistent read snapshot; returns whether the SQLite readonly flag was set here."""
    if conn.in_transaction():
        return False
    if conn.dialect.name == "postgresql":
        conn.execution_options(isolation_level="REPEATABLE READ")
        return False
    if conn.dialect.name == "sqlite" and not conn.info.get("nozei_readonly"):
        conn.info["nozei_readonly"] = True  # deferred BEGIN: never blocks writers
        return True
    return False


def _head(conn: Connection) -> tuple[int, str]:
    row = conn.execute(select(audit_head.c.seq, audit_head.c.hash)
                       .where(audit_head.c.id == 1)).first()
    return (0, GENESIS_HASH) if row is None else (int(row.seq), str(row.hash))


def verify_chain(conn: Connection, *, public_key: Ed25519PublicKey, checkpoint_file: Path | None,
                 from_seq: int = 1, origin: str | None = None) -> VerifyReport:
    """Verify the chain from ``from_seq`` (trusting row ``from_seq - 1``'s stored hash).

    Call it on a connection without an open transaction (``Store.reading()``):
    it then reads one snapshot (REPEATABLE READ on PostgreSQL, a deferred
    transaction on SQLite). ``origin`` checks archive signatures (otherwise the
    origins of the checkpoints are tried) and restricts which table checkpoints
    must also be in ``checkpoint_file``.
    """
    fresh = not conn.in_transaction()
    flagged = _prepare(conn)
    try:
        return _Verifier(conn, public_key, checkpoint_file, origin, parallel=fresh).run(from_seq)
    finally:
        if flagged:
            conn.info["nozei_readonly"] = False


class _Verifier:
    def __init__(self, conn: Connection, public_key: Ed25519PublicKey,
                 checkpoint_file: Path | None, origin: str | None, *, parallel: bool = False) -> None:
        self.conn, self.key, self.file, self.origin = conn, public_key, checkpoint_file, origin
        self.parallel = parallel
        self.findings: list[_Finding] = []
        self.cp_hashes: dict[int, set[str]] = {}
        self.checkpoints_checked = 0

    def run(self, from_seq: int) -> VerifyReport:
        head_seq, head_hash = _head(self.conn)
        start, anchor, problems = check_archives(self.conn, self.key, self.origin, self.file)
        for seq, problem, detail in problems:
            self._add(seq, problem, detail)
        if from_seq > start:
            row = self.conn.execute(select(audit_events.c.hash)
                                    .where(audit_events.c.seq == from_seq - 1)).first()
            if row is None:
                self._add(from_seq - 1, "missing", f"seq {from_seq - 1}: 検証の起点となるイベントがありません")
                return self._report(0, head_seq)
            start, anchor = from_seq, str(row.hash)
        self._checkpoints(start, anchor)
        checked, last, last_hash, broken = self._walk(start, anchor, head_seq)
        if broken is None:
            self._tail(last, last_hash, head_seq, head_hash)
        return self._report(checked, head_seq)

    def _report(self, checked: int, head_seq: int) -> VerifyReport:
        found = min(self.findings, default=None)
        if found is None:
            detail = (f"{checked} 件のイベントを検証しました。改ざんは見つかりませんでした"
                      if checked else "検証対象のイベントはありません")
            return VerifyReport(True, checked, None, None, detail, head_seq,
                                self.checkpoints_checked)
        seq = None if found.seq == _NO_SEQ else found.seq
        return VerifyReport(False, checked, seq, found.problem, found.detail, head_seq,
                            self.checkpoints_checked)

    # -- checkpoints ----------------------------------------------------------------------
    def _checkpoints(self, start: int, anchor: str) -> None:
        db, lines, unreadable = load_checkpoints(self.conn, self.file, min_seq=start - 1)
        for number in unreadable:
            self._add(None, "checkpoint_mismatch", f"チェックポイントファイルの {number} 行目が読めません")
        if self.file is not None:
            in_file = {line.key for line in lines}
            for row in db:
                if (self.origin is None or row.origin == self.origin) and row.key not in in_file:
                    self._add(row.seq, "checkpoint_mismatch",
                              f"seq {row.seq}: チェックポイントがファイルにありません（ファイルの改ざん）")
        seen: set[tuple[str, int, str, str, str, str]] = set()
        for cp in (*db, *lines):
            if cp.key in seen:
                continue
            seen.add(cp.key)
            if not checkpoint_signature_ok(self.key, cp):
                where = "ファイル" if cp.id is None else "テーブル"
                self._add(cp.seq, "bad_signature",
                          f"seq {cp.seq}: チェックポイント（{where}）の署名が正しくありません")
            elif cp.seq == start - 1 and cp.head_hash != anchor:
                self._cp_mismatch(cp.seq)
            else:
                self.cp_hashes.setdefault(cp.seq, set()).add(cp.head_hash)
        self.checkpoints_checked = len(seen)

    def _add(self, seq: int | None, problem: str, detail: str) -> None:
        self.findings.append(_finding(seq, problem, detail))

    def _cp_mismatch(self, seq: int) -> None:
        self._add(seq, "checkpoint_mismatch",
                  f"seq {seq}: 署名済みチェックポイントのハッシュと一致しません（連鎖が書き換えられています）")

    # -- the chain -------------------------------------------------------------------
    def _walk(self, start: int, anchor: str, head_seq: int) -> tuple[int, int, str, int | None]:
        """:meth:`_stream`, with rows up to the head proved in parallel segments when the chain
        is long and nothing is known to be wrong; any doubt walks the whole range here."""
        proved = (verify_segments(self.conn, start, head_seq, anchor)
                  if self.parallel and not self.findings and head_seq >= start else None)
        if proved is None:
            return self._stream(start, anchor, head_seq)
        checked, head_hash = proved
        seqs = [seq for seq in self.cp_hashes if start <= seq <= head_seq]
        for seq, digest in self.conn.execute(select(audit_events.c.seq, audit_events.c.hash)
                                             .where(audit_events.c.seq.in_(seqs))) if seqs else ():
            if self.cp_hashes[seq] != {digest}:
                self._cp_mismatch(seq)
        more, last, last_hash, broken = self._stream(head_seq + 1, head_hash, head_seq)  # rows past the head?
        return checked + more, last, last_hash, broken

    def _stream(self, start: int, anchor: str,
                head_seq: int) -> tuple[int, int, str, int | None]:
        """Walk the chain; returns (checked, last good seq, its hash, seq of the break)."""
        stop = min((f.seq for f in self.findings), default=_NO_SEQ)
        cp = self.cp_hashes
        expected, prev, pprev, checked = start, anchor, None, 0
        result = self.conn.execute(select(*_COLUMNS).where(audit_events.c.seq >= start)
                                   .order_by(audit_events.c.seq).execution_options(yield_per=_BATCH))
        broken: Any = None
        try:
            for r in result:
                seq = r[_SEQ]
                if seq != expected or r[_PREV] != prev or not _valid(r):
                    broken = r
                    break
                if seq > head_seq:
                    head_seq = _head(self.conn)[0]  # READ COMMITTED callers: a concurrent append?
                    if seq > head_seq:
                        broken = r
                        break
                if seq in cp and cp[seq] != {r[_HASH]}:
                    self._cp_mismatch(seq)
                pprev, prev, expected, checked = prev, r[_HASH], expected + 1, checked + 1
                if seq >= stop:
                    return checked, seq, prev, seq
        finally:
            result.close()
        if broken is None:
            return checked, expected - 1, prev, None
        self.findings.append(self._classify(broken, expected, prev, pprev, head_seq))
        return checked, expected - 1, prev, expected

    def _tail(self, last: int, last_hash: str, head_seq: int, head_hash: str) -> None:
        beyond = [seq for seq in self.cp_hashes if seq > last]
        if last == head_seq and head_seq > 0 and last_hash != head_hash:
            self._add(last, "modified", f"seq {last}: 最終イベントのハッシュが audit_head と一致しません")
        if last < head_seq:
            self._add(last + 1, "truncated", f"seq {last + 1}〜{head_seq}: 末尾のイベントが削除されて"
                                             f"います（audit_head は seq {head_seq}）")
        elif beyond:
            self._add(last + 1, "truncated", f"seq {last + 1}〜{max(beyond)}: 署名済みチェックポイ"
                                             "ントが記録する末尾のイベントがありません")

    def _window(self, after: int) -> list[Row[Any]]:
        return list(self.conn.execute(
            select(*_COLUMNS).where(audit_events.c.seq > after, audit_events.c.seq <= after + _WINDOW)
            .order_by(audit_events.c.seq)))

    def _later_with_hash(self, digest: str, seq: int, window: list[Row[Any]]) -> int | None:
        for w in window:
            if w[_HASH] == digest:
                return int(w[_SEQ])
        found = self.conn.execute(select(audit_events.c.seq).where(
            audit_events.c.hash == digest, audit_events.c.seq > seq).limit(1)).scalar()
        return None if found is None else int(found)

    def _classify(self, r: Any, s: int, prev: str, pprev: str | None, head_seq: int) -> _Finding:
        seq, f = int(r[_SEQ]), _finding
        beyond = "より後ろ（audit_head は seq {}）に記録があります".format(head_seq)
        forged = "前後の連結から外れた偽のイベントが挿入されています"
        if seq != s:
            if s > head_seq:
                return f(seq, "inserted", f"seq {seq}: {beyond}")
            if seq <= head_seq:
                return f(s, "missing", f"seq {s}: イベントが削除されています（次は seq {seq}）")
            return f(s, "truncated", f"seq {s}〜{head_seq}: 末尾のイベントが削除されています")
        if s > head_seq:
            return f(s, "inserted", f"seq {s}: {beyond}")
        window = self._window(s)
        nxt = window[0] if window and window[0][_SEQ] == s + 1 else None
        if r[_PREV] == prev:  # linked, but the content does not match the hash
            for w in window:
                if (_ref_hash(r, seq=int(w[_SEQ]), prev=w[_PREV]) == w[_HASH]
                        and _ref_hash(w, seq=s, prev=r[_PREV]) == r[_HASH]):
                    return f(s, "reordered", f"seq {s}: seq {w[_SEQ]} と内容が入れ替えられています")
            return f(s, "modified", f"seq {s}: 内容が改ざんされています")
        later = self._later_with_hash(r[_PREV], s, window)
        if later is not None:
            return f(s, "reordered", f"seq {s}: 後ろの seq {later} を直前のイベントとして指しています"
                                     "（順序が入れ替えられています）")
        if pprev is not None and r[_PREV] == pprev:
            return f(s - 1, "inserted", f"seq {s - 1}: {forged}")
        if nxt is not None and nxt[_PREV] == prev:
            return f(s, "inserted", f"seq {s}: {forged}")
        if _ref_hash(r, seq=s + 1) == r[_HASH]:
            return f(s, "missing", f"seq {s}: イベントが削除され、後続の番号が詰められています")
        if not _valid(r):
            return f(s, "modified", f"seq {s}: 内容と連結が改ざんされています")
        if nxt is None or nxt[_PREV] == r[_HASH]:  # r is genuine: its predecessor's hash changed
            bad = s - 1 if pprev is not None else s
            return f(bad, "modified", f"seq {bad}: ハッシュが書き換えられています（seq {s} の連結と不一致）")
        return f(s, "inserted", f"seq {s}: どのイベントにも連結しない偽のイベントがあります")
