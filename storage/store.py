"""Opening and creating a nozei database: engine, schema check, key ring.

This is what the composition root (``tui``) calls; everything else gets a
unit of work from :meth:`Store.uow`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from core.config import Config
from core.errors import NozeiError
from core.ports import AuditSink
from storage.crypto.context import Crypto
from storage.crypto.keyfile import create_kek, load_kek
from storage.crypto.keyring import KeyRing, initialize_keys, load_keyring
from storage.db import is_sqlite, make_engine
from storage.migrate import check_schema, current_revision, upgrade
from storage.repositories.settings import SqlSettingsRepository
from storage.uow import SqlUnitOfWork

__all__ = ["Store", "open_store", "create_store", "prepare_data_dir", "DatabaseExists", "AuditFactory",
           "keyring_reloader"]

#: Makes the audit sink for a connection (the composition root passes logs' writer).
AuditFactory = Callable[[Connection], AuditSink]
#: Runs after a transaction that wrote audit events has committed (mirror, checkpoints).
AfterCommit = Callable[[Connection, AuditSink], None]


class DatabaseExists(NozeiError):
    """Refusing to initialise over an existing database."""


@dataclass
class Store:
    engine: Engine
    crypto: Crypto
    kek: bytes = field(repr=False)  # the key-encryption key: never in a repr or a traceback
    config: Config
    audit_factory: AuditFactory
    after_commit: list[AfterCommit] = field(default_factory=list)

    def uow(self, operator: str = "system", *, readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.crypto, operator, readonly=readonly,
                             audit_factory=self.audit_factory, after_commit=self.after_commit)

    @contextmanager
    def transaction(self) -> Iterator[tuple[Connection, AuditSink]]:
        """One write transaction with its audit sink; after-commit hooks run once it has committed."""
        with self.engine.connect() as conn:
            audit = self.audit_factory(conn)
            with conn.begin():
                yield conn, audit
            for hook in self.after_commit:
                hook(conn, audit)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads only (on SQLite a deferred transaction: never waits for writers)."""
        with self.engine.connect() as conn:
            conn.info["nozei_readonly"] = True
            try:
                yield conn
            finally:
                conn.info["nozei_readonly"] = False

    def setting(self, key: str, default: Any = None) -> Any:
        with self.reading() as conn:
            return SqlSettingsRepository(conn).get(key, default)

    @property
    def is_demo(self) -> bool:
        return bool(self.setting("demo", False))

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Store(url={self.engine.url!r})"


def prepare_data_dir(config: Config) -> None:
    """Create the data directory layout: ``keys/`` (0700), ``logs/``, ``documents/``."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    (config.data_dir / "keys").mkdir(mode=0o700, exist_ok=True)
    config.log_dir.mkdir(exist_ok=True)
    config.documents_dir.mkdir(exist_ok=True)


def open_store(config: Config, *, audit_factory: AuditFactory, check: bool = True,
               **engine_kwargs: Any) -> Store:
    """Open an existing database; clear errors for a missing/wrong key or old schema."""
    url = config.resolved_database_url
    if is_sqlite(url):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            raise NozeiError(
                f"データベースがありません: {path}。`nozei init` または `nozei demo` で作成してください"
            )
    engine = make_engine(url, **engine_kwargs)
    try:
        if check:
            check_schema(engine)
        kek = load_kek(config.resolved_key_file)
        with engine.connect() as conn:
            if check and SqlSettingsRepository(conn).get("demo_building", False):
                raise NozeiError(
                    "デモデータの作成が途中で止まっています。データディレクトリを削除して `nozei demo` をやり直してください"
                )
            ring = load_keyring(conn, kek)
        return Store(engine=engine, crypto=Crypto.from_ring(ring, keyring_reloader(engine, kek)), kek=kek, config=config,
                     audit_factory=audit_factory)
    except BaseException:
        engine.dispose()
        raise


def keyring_reloader(engine: Engine, kek: bytes) -> Callable[[], KeyRing]:
    def reload() -> KeyRing:
        with engine.connect() as conn:
            conn.info["nozei_readonly"] = True
            try:
                return load_keyring(conn, kek)
            finally:
                conn.info["nozei_readonly"] = False
    return reload


def create_store(config: Config, *, municipality_code: str, municipality_name: str,
                 demo: bool, audit_factory: AuditFactory, **engine_kwargs: Any) -> Store:
    """A new database: schema, KEK file (never overwritten), data keys, municipality."""
    if not (len(municipality_code) == 6 and municipality_code.isdigit()):
        raise NozeiError("団体コードは6桁の数字です")
    prepare_data_dir(config)
    engine = make_engine(config.resolved_database_url, **engine_kwargs)
    try:
        if current_revision(engine) is not None:
            raise DatabaseExists("データベースは既に作成されています（上書きしません）")
        key_path = config.resolved_key_file
        kek = load_kek(key_path) if key_path.exists() else create_kek(key_path)
        upgrade(engine)
        with engine.begin() as conn:
            initialize_keys(conn, kek)
            settings = SqlSettingsRepository(conn)
            settings.set("municipality", {"code": municipality_code, "name": municipality_name}, by="init")
            settings.set("demo", demo, by="init")
            ring = load_keyring(conn, kek)
        return Store(engine=engine, crypto=Crypto.from_ring(ring, keyring_reloader(engine, kek)), kek=kek, config=config,
                     audit_factory=audit_factory)
    except BaseException:
        engine.dispose()
        raise
