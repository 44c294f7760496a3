"""Taxpayer repository: encrypted rows, history, and blind-index search."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, func, insert, select, update

from core.domain.search import SearchCriteria, TaxpayerSummary
from core.domain.taxpayer import Taxpayer
from core.errors import ConflictError, NotFound
from core.text.kana import kana_search_key
from storage.crypto.context import Crypto
from storage.repositories.taxpayer_rows import (
    blind_values,
    decrypt_field,
    encrypted_values,
    plain_values,
    row_to_taxpayer,
    snapshot_json,
    surname_key,
    taxpayer_from_snapshot,
)
from storage.schema import assessments, taxpayer_history, taxpayers

__all__ = ["SqlTaxpayerRepository"]

_HISTORY = "taxpayer_history"
#: What a search reads of each candidate: its checks and its result line (no other ciphertexts).
_SEARCH_COLUMNS = tuple(taxpayers.c[n] for n in (
    "id", "atena_no", "kind", "resident_status", "deceased_date", "my_number_ct", "name_ct", "name_kana_ct",
    "birth_date_ct", "address_ct", "phone_ct"))


def _history_ref(taxpayer_id: int, version: int) -> str:
    return f"{taxpayer_id}:{version}"


class SqlTaxpayerRepository:
    def __init__(self, conn: Connection, crypto: Crypto, operator: str = "system") -> None:
        self._conn = conn
        self._crypto = crypto
        self._operator = operator

    # -- writes ---------------------------------------------------------
    def add(self, taxpayer: Taxpayer) -> int:
        t = taxpayer.validated()
        now = datetime.now(UTC)
        # The record id is part of each ciphertext's associated data, so the
        # plain row goes in first and the ciphertexts follow in the same transaction.
        new_id = self._conn.execute(
            insert(taxpayers)
            .values(**plain_values(t), enc_version=self._crypto.cipher.version, version=1,
                    created_at=now, updated_at=now)
            .returning(taxpayers.c.id)
        ).scalar_one()
        self._conn.execute(
            update(taxpayers)
            .where(taxpayers.c.id == new_id)
            .values(**encrypted_values(t, new_id, self._crypto), **blind_values(t, self._crypto))
        )
        return int(new_id)

    def update(self, taxpayer: Taxpayer, *, reason: str) -> None:
        if taxpayer.id is None:
            raise NotFound("宛名が指定されていません")
        row = self._row(taxpayers.c.id == taxpayer.id, lock=True)
        if row is None:
            raise NotFound(f"宛名が見つかりません（id={taxpayer.id}）")
        t = taxpayer.validated()
        if t.atena_no != row.atena_no:
            raise ConflictError("宛名番号は変更できません")
        old = row_to_taxpayer(row, self._crypto)
        self._write_history(old, int(row.version), reason)
        self._conn.execute(
            update(taxpayers)
            .where(taxpayers.c.id == row.id)
            .values(**plain_values(t), **encrypted_values(t, row.id, self._crypto),
                    **blind_values(t, self._crypto), version=row.version + 1,
                    updated_at=datetime.now(UTC))
        )

    def _write_history(self, old: Taxpayer, version: int, reason: str) -> None:
        assert old.id is not None
        ref = _history_ref(old.id, version)
        self._conn.execute(
            insert(taxpayer_history).values(
                taxpayer_id=old.id,
                version=version,
                changed_at=datetime.now(UTC),
                changed_by=self._operator,
                reason=reason,
                snapshot_ct=self._crypto.cipher.encrypt(
                    snapshot_json(old), table=_HISTORY, column="snapshot_ct", record_id=ref
                ),
                enc_version=self._crypto.cipher.version,
            )
        )

    # -- reads ----------------------------------------------------------
    def _row(self, where: Any, *, lock: bool = False) -> Any:
        query = select(taxpayers).where(where)
        if lock:
            query = query.with_for_update()
        return self._conn.execute(query).one_or_none()

    def get(self, taxpayer_id: int) -> Taxpayer | None:
        row = self._row(taxpayers.c.id == taxpayer_id)
        return row_to_taxpayer(row, self._crypto) if row is not None else None

    def get_by_atena(self, atena_no: str) -> Taxpayer | None:
        row = self._row(taxpayers.c.atena_no == atena_no)
        return row_to_taxpayer(row, self._crypto) if row is not None else None

    def get_by_id_atena(self, taxpayer_id: int) -> str | None:
        """The atena number alone (nothing decrypted)."""
        return self._conn.execute(select(taxpayers.c.atena_no).where(taxpayers.c.id == taxpayer_id)).scalar_one_or_none()

    def count(self) -> int:
        return int(self._conn.execute(select(func.count()).select_from(taxpayers)).scalar_one())

    def history(self, taxpayer_id: int) -> list[tuple[datetime, str, Taxpayer]]:
        rows = self._conn.execute(
            select(taxpayer_history)
            .where(taxpayer_history.c.taxpayer_id == taxpayer_id)
            .order_by(taxpayer_history.c.version.desc())
        ).all()
        result = []
        for row in rows:
            text = self._crypto.cipher.decrypt(
                row.snapshot_ct, table=_HISTORY, column="snapshot_ct",
                record_id=_history_ref(taxpayer_id, row.version),
            )
            result.append((row.changed_at, row.reason, taxpayer_from_snapshot(text)))
        return result

    # -- search ---------------------------------------------------------
    def search(
        self, criteria: SearchCriteria, *, offset: int, limit: int
    ) -> tuple[list[TaxpayerSummary], bool]:
        """Blind-index buckets narrow the rows in SQL; decrypt-and-compare decides."""
        plain: dict[tuple[int, str], str | None] = {}  # each field of a row decrypted once per search

        def dec(row: Any, name: str) -> str | None:
            key = (row.id, name)
            if key not in plain:
                plain[key] = decrypt_field(row, name, self._crypto)
            return plain[key]

        query, checks = self._candidate_query(criteria, dec)
        query = query.order_by(taxpayers.c.atena_no)
        if not checks:  # plain criteria only: the database pages
            rows = self._conn.execute(query.offset(offset).limit(limit + 1)).all()
        else:  # candidates in atena order: stop once the page and one more have matched
            rows = []
            wanted = offset + limit + 1
            for row in self._conn.execute(query):
                if all(c(row) for c in checks):
                    rows.append(row)
                    if len(rows) == wanted:
                        break
            rows = rows[offset:]
        return [self._summary(row, dec) for row in rows[:limit]], len(rows) > limit

    def _candidate_query(
        self, c: SearchCriteria, dec: Callable[[Any, str], str | None]
    ) -> tuple[Select[Any], list[Callable[[Any], bool]]]:
        idx = self._crypto.indexer.compute
        conds: list[Any] = []
        checks: list[Callable[[Any], bool]] = []
        if c.atena_no is not None:
            conds.append(taxpayers.c.atena_no == c.atena_no)
        if c.notice_no is not None:
            conds.append(
                taxpayers.c.id.in_(
                    select(assessments.c.taxpayer_id).where(assessments.c.notice_no == c.notice_no)
                )
            )
        if c.my_number is not None:
            conds.append(taxpayers.c.bi_my_number == idx("my_number", c.my_number))
            checks.append(lambda r, v=c.my_number: dec(r, "my_number") == v)
        if c.kana_name is not None:
            conds.append(taxpayers.c.bi_kana_name == idx("kana_name", c.kana_name))
            keys: dict[str, str] = {}  # namesakes share a bucket: each kana normalised once per search

            def same_name(r: Any, v: str = c.kana_name) -> bool:
                kana = dec(r, "name_kana") or ""
                if kana not in keys:
                    keys[kana] = kana_search_key(kana)
                return keys[kana] == v

            checks.append(same_name)
        if c.kana_surname is not None:
            if c.birth_date is not None:
                key = f"{c.kana_surname}|{c.birth_date.isoformat()}"
                conds.append(taxpayers.c.bi_kana_surname_birth == idx("kana_surname_birth", key))
            else:
                conds.append(taxpayers.c.bi_kana_surname == idx("kana_surname", c.kana_surname))
            checks.append(lambda r, v=c.kana_surname: surname_key(dec(r, "name_kana") or "") == v)
        if c.birth_date is not None:
            if c.kana_surname is None:
                conds.append(taxpayers.c.bi_birth_date == idx("birth_date", c.birth_date.isoformat()))
            checks.append(lambda r, v=c.birth_date.isoformat(): dec(r, "birth_date") == v)
        if c.phone is not None:
            conds.append(taxpayers.c.bi_phone == idx("phone", c.phone))
            checks.append(lambda r, v=c.phone: dec(r, "phone") == v)
        if not conds:
            raise ValueError("empty search criteria")
        return select(*_SEARCH_COLUMNS).where(and_(*conds)), checks

    def _summary(self, row: Any, dec: Callable[[Any, str], str | None]) -> TaxpayerSummary:
        birth = dec(row, "birth_date")
        return TaxpayerSummary(
            id=int(row.id),
            atena_no=row.atena_no,
            kind=row.kind,
            name=dec(row, "name") or "",
            name_kana=dec(row, "name_kana") or "",
            birth_date=date.fromisoformat(birth) if birth else None,
            address=dec(row, "address"),
            resident_status=row.resident_status,
            deceased=row.deceased_date is not None,
        )
