"""Key rotation while sessions work: another process's new data key is picked up on first sight."""

from __future__ import annotations

import struct

import pytest

from core.config import Config
from core.security.permissions import Actor, Permission
from logs.writer import AuditWriter
from storage.crypto.fields import DecryptionError, FieldCipher
from storage.reencrypt import reencrypt, rotate
from storage.store import Store, open_store
from tests.factories import person

ADMIN = Actor("admin1", frozenset({Permission.ADMIN_KEYS.value}))


class TestRotationSeenByAnotherSession:
    def test_a_session_reads_rows_reencrypted_by_another_process_and_then_writes_with_the_new_key(
            self, store: Store, config: Config) -> None:
        with store.uow() as uow:
            tid = uow.taxpayers.add(person(1))
            uow.commit()
        other = open_store(config, audit_factory=AuditWriter)
        try:
            assert rotate(other, ADMIN) == 2
            reencrypt(other, ADMIN)
        finally:
            other.close()
        assert store.crypto.cipher.version == 1
        with store.uow() as uow:
            found = uow.taxpayers.get(tid)
        assert found is not None and found.name == person(1).name
        assert store.crypto.cipher.version == 2
        with store.uow() as uow:
            second = uow.taxpayers.add(person(2))
            uow.commit()
        with store.uow(readonly=True) as uow:
            assert uow.taxpayers.get(second) is not None

    def test_a_version_that_does_not_exist_is_a_clear_error_and_is_not_reloaded_again_at_once(
            self, store: Store) -> None:
        reloads = []
        ring_loader = store.crypto.cipher._refresh
        assert ring_loader is not None

        def counting():  # type: ignore[no-untyped-def]
            reloads.append(1)
            return ring_loader()

        cipher = FieldCipher(ring_loader(), counting)
        blob = cipher.encrypt("x", table="taxpayers", column="name_ct", record_id=1)
        forged = struct.pack(">BI", 1, 99) + blob[5:]
        for _ in range(50):
            with pytest.raises(DecryptionError, match="バージョン"):
                cipher.decrypt(forged, table="taxpayers", column="name_ct", record_id=1)
        assert len(reloads) == 1
