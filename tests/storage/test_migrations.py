"""The migrations build exactly the schema the code declares (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage.migrate import current_revision, head_revision
from storage.schema import metadata
from storage.store import Store


class TestMigrations:
    def test_a_new_database_is_at_the_head_revision(self, store: Store) -> None:
        assert current_revision(store.engine) == head_revision()

    def test_the_migrated_schema_matches_the_table_definitions(self, store: Store) -> None:
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []

    def test_the_revision_checked_at_start_up_is_alembics_head(self) -> None:
        from storage.migrate import HEAD_REVISION

        assert HEAD_REVISION == head_revision()
