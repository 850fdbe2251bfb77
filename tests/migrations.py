"""Tests of a data or schema migration move the test database back and forth; whatever happens,
it must be at the latest migration of every app afterwards, or a later test in the same process
meets a table without the columns a newer migration added."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(target: tuple[str, str]) -> None:
    MigrationExecutor(connection).migrate([target])


def migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def latest_migrations_after() -> Iterator[None]:
    """Every app back at its latest migration once the test is done (passed or failed)."""
    yield
    migrate_to_latest()
