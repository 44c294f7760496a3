"""The encrypted store (SPEC §5.1), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.config import Config
from storage.crypto.fields import DecryptionError
from storage.crypto.keyfile import KeyFileError, create_kek, load_kek
from storage.repositories.taxpayer_rows import row_to_taxpayer
from storage.schema import taxpayers
from logs.writer import AuditWriter
from storage.store import Store, open_store
from tests.factories import person


class TestKeyFile:
    def test_a_new_key_file_is_readable_only_by_its_owner(self, tmp_path: Path) -> None:
        path = tmp_path / "keys" / "kek.key"
        create_kek(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_an_existing_key_file_is_never_overwritten(self, tmp_path: Path) -> None:
        path = tmp_path / "kek.key"
        first = create_kek(path)
        with pytest.raises(KeyFileError, match="上書きしません"):
            create_kek(path)
        assert load_kek(path) == first

    def test_a_key_file_readable_by_others_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "kek.key"
        create_kek(path)
        os.chmod(path, 0o644)
        with pytest.raises(KeyFileError, match="chmod 600"):
            load_kek(path)

    def test_a_damaged_key_file_is_a_clear_error(self, tmp_path: Path) -> None:
        path = tmp_path / "kek.key"
        create_kek(path)
        path.write_text("nozei-kek-v1:not-base64!!\n")
        with pytest.raises(KeyFileError, match="形式が正しくありません"):
            load_kek(path)


class TestStartUpWithTheWrongKey:
    def test_a_missing_key_file_is_named_at_start_up(self, store: Store, config: Config) -> None:
        store.close()
        config.resolved_key_file.unlink()
        with pytest.raises(KeyFileError, match="鍵ファイルがありません"):
            open_store(config, audit_factory=AuditWriter)

    def test_another_databases_key_file_is_refused_at_start_up(
        self, store: Store, config: Config, tmp_path: Path
    ) -> None:
        store.close()
        other = tmp_path / "other.key"
        create_kek(other)
        with pytest.raises(KeyFileError, match="このデータベースのものではありません"):
            open_store(replace(config, key_file=other), audit_factory=AuditWriter)

    def test_the_right_key_file_opens_the_store(self, store: Store, config: Config) -> None:
        with store.uow() as uow:
            tid = uow.taxpayers.add(person())
            uow.commit()
        store.close()
        reopened = open_store(config, audit_factory=AuditWriter)
        try:
            with reopened.uow() as uow:
                assert uow.taxpayers.get(tid) == replace(person().validated(), id=tid)
        finally:
            reopened.close()


class TestFieldCiphertexts:
    def _two_people(self, store: Store) -> tuple[int, int]:
        with store.uow() as uow:
            a = uow.taxpayers.add(person(1))
            b = uow.taxpayers.add(person(2, name="佐藤　花子", name_kana="サトウ　ハナコ"))
            uow.commit()
        return a, b

    def test_a_ciphertext_copied_to_another_row_fails_to_decrypt(self, store: Store) -> None:
        a, b = self._two_people(store)
        with store.engine.begin() as conn:
            stolen = conn.execute(select(taxpayers.c.name_ct).where(taxpayers.c.id == a)).scalar_one()
            conn.execute(update(taxpayers).where(taxpayers.c.id == b).values(name_ct=stolen))
        with store.uow() as uow, pytest.raises(DecryptionError, match="別の行・列から移された"):
            uow.taxpayers.get(b)

    def test_a_ciphertext_copied_to_another_column_fails_to_decrypt(self, store: Store) -> None:
        a, _ = self._two_people(store)
        with store.engine.begin() as conn:
            name_ct = conn.execute(select(taxpayers.c.name_ct).where(taxpayers.c.id == a)).scalar_one()
            conn.execute(update(taxpayers).where(taxpayers.c.id == a).values(address_ct=name_ct))
        with store.uow() as uow, pytest.raises(DecryptionError):
            uow.taxpayers.get(a)

    def test_a_flipped_bit_fails_to_decrypt(self, store: Store) -> None:
        a, _ = self._two_people(store)
        with store.engine.begin() as conn:
            ct = bytearray(conn.execute(select(taxpayers.c.phone_ct).where(taxpayers.c.id == a)).scalar_one())
            ct[-1] ^= 1
            conn.execute(update(taxpayers).where(taxpayers.c.id == a).values(phone_ct=bytes(ct)))
        with store.uow() as uow, pytest.raises(DecryptionError):
            uow.taxpayers.get(a)

    def test_the_error_names_the_place_but_no_personal_value(self, store: Store) -> None:
        a, b = self._two_people(store)
        with store.engine.begin() as conn:
            stolen = conn.execute(select(taxpayers.c.name_ct).where(taxpayers.c.id == a)).scalar_one()
            conn.execute(update(taxpayers).where(taxpayers.c.id == b).values(name_ct=stolen))
        with store.engine.connect() as conn:
            row = conn.execute(select(taxpayers).where(taxpayers.c.id == b)).one()
        with pytest.raises(DecryptionError) as info:
            row_to_taxpayer(row, store.crypto)
        assert "taxpayers.name_ct" in str(info.value)
        assert "山田" not in str(info.value) and "佐藤" not in str(info.value)

    def test_the_key_ring_never_shows_key_bytes_in_its_repr(self, store: Store) -> None:
        text = repr(store.crypto) + repr(store)
        assert store.kek.hex() not in text and "field_version" in text
