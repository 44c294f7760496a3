"""After ``nozei demo`` the stored bytes hold no plaintext personal value (SPEC §5.1).

The values are read back through the application (so we know exactly what to
look for), then searched for in the raw bytes of the SQLite files, or in a
COPY of every PostgreSQL table.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from core.config import Config
from storage.demo.build import build_demo
from storage.schema import metadata, taxpayers, transfer_accounts
from logs.writer import AuditWriter
from storage.store import Store
from tests.conftest import fast_tools

DEMO_SIZE = 2_000


def _built(config: Config, size: int, seed: int) -> Iterator[Store]:
    store, summary = build_demo(config, taxpayers_count=size, seed=seed, as_of=date(2026, 11, 22),
                                audit_factory=AuditWriter, tools=fast_tools())
    assert summary.taxpayers == size
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def demo(config: Config) -> Iterator[Store]:
    yield from _built(config, DEMO_SIZE, 7)


@pytest.fixture
def small_demo(config: Config) -> Iterator[Store]:
    """Enough to show the grep works (the canary); the full-size check is the test above."""
    yield from _built(config, 60, 1)


def _personal_values(store: Store) -> set[str]:
    values: set[str] = set()
    with store.uow() as uow:
        ids = uow.connection.execute(select(taxpayers.c.id)).scalars().all()
        for tid in ids:
            t = uow.taxpayers.get(tid)
            assert t is not None
            for v in (t.name, t.name_kana, t.my_number, t.phone, t.address, t.mailing_address,
                      t.household_head_name):
                if v:
                    values.add(v)
        for row in uow.connection.execute(select(transfer_accounts)):
            values.add(store.crypto.cipher.decrypt(row.account_no_ct, table="transfer_accounts",
                                                   column="account_no_ct", record_id=row.id))
            values.add(store.crypto.cipher.decrypt(row.holder_kana_ct, table="transfer_accounts",
                                                   column="holder_kana_ct", record_id=row.id))
    return values


def _raw_sqlite(store: Store) -> bytes:
    path = Path(str(store.engine.url.database))
    store.engine.dispose()
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def _raw_postgres(store: Store) -> bytes:
    """A binary COPY of every table (as pg_dump's custom format holds it): text
    and bytea columns as their raw bytes, so a plaintext value in either is seen,
    and numbers in binary, so an amount of 3,666,222 円 is not "an account number"."""
    chunks: list[bytes] = []
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        for table in metadata.sorted_tables:
            with cur.copy(f"COPY {table.name} TO STDOUT (FORMAT binary)") as copy:  # type: ignore[attr-defined]
                for data in copy:
                    chunks.append(bytes(data))
    finally:
        raw.close()
    return b"".join(chunks)


def _found_in(raw: bytes, values: set[str]) -> list[str]:
    """Every value whose UTF-8 bytes occur in ``raw`` (one pass over 6-byte prefixes).

    Digit-only values (My Numbers, phones, account numbers) count only where
    they are not part of a longer run of digits, such as a notice number.
    """
    encoded = {v.encode("utf-8"): v for v in values}
    assert min(map(len, encoded)) >= 6
    by_prefix: dict[bytes, list[bytes]] = {}
    for b in encoded:
        by_prefix.setdefault(b[:6], []).append(b)
    found: set[str] = set()
    get = by_prefix.get
    for i in range(len(raw) - 5):
        candidates = get(raw[i:i + 6])
        if not candidates:
            continue
        for b in candidates:
            if not raw.startswith(b, i):
                continue
            if b.isdigit() and (raw[i - 1:i].isdigit() or raw[i + len(b):i + len(b) + 1].isdigit()):
                continue
            found.add(encoded[b])
    return sorted(found)


class TestNoPlaintextAtRest:
    def test_the_stored_bytes_contain_no_personal_value(self, demo: Store, backend: str) -> None:
        values = _personal_values(demo)
        assert len(values) > DEMO_SIZE  # names, kana, numbers, phones, addresses, accounts
        raw = _raw_sqlite(demo) if backend == "sqlite" else _raw_postgres(demo)
        assert len(raw) > 100_000
        assert _found_in(raw, values) == []

    def test_the_grep_would_see_a_plaintext_value_if_there_were_one(self, small_demo: Store, backend: str) -> None:
        # Guard against a vacuous test: a value written in the clear is found.
        with small_demo.uow() as uow:
            uow.settings.set("canary", "カナリア　タロウ", by="test")
            uow.commit()
        raw = _raw_sqlite(small_demo) if backend == "sqlite" else _raw_postgres(small_demo)
        assert _found_in(raw, {"カナリア　タロウ", "ムメイ　ナナシ"}) == ["カナリア　タロウ"]
