"""Migration 0013 swaps four application indexes for two, both ways, on SQLite and PostgreSQL,
without copying the table."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rewards.applications.models import Application
from tests.migrations import migrate

pytestmark = pytest.mark.usefixtures("latest_migrations_after")

BEFORE = ("applications", "0012_progress_index")
AFTER = ("applications", "0013_person_and_certificate_indexes")


def index_columns() -> list[tuple[str, ...]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Application._meta.db_table)
    return sorted(tuple(c["columns"]) for c in constraints.values() if c["index"] and not c["unique"] and not c["primary_key"])


@pytest.mark.django_db(transaction=True)
def test_the_person_and_certificate_indexes_migrate_both_ways():  # type: ignore[no-untyped-def]
    migrate(AFTER)  # later migrations change other indexes: compare at 0013 itself
    after = index_columns()
    assert ("id_hash", "campaign_id") in after and ("certificate_no", "campaign_id") in after
    assert not [columns for columns in after if columns in {("id_hash",), ("certificate_no",)}]
    assert ("campaign_id", "id_hash") not in after and ("campaign_id", "certificate_no") not in after

    migrate(BEFORE)
    before = index_columns()
    assert ("campaign_id", "id_hash") in before and ("campaign_id", "certificate_no") in before
    assert ("id_hash",) in before and ("certificate_no",) in before
    assert ("id_hash", "campaign_id") not in before and ("certificate_no", "campaign_id") not in before

    with CaptureQueriesContext(connection) as executed:
        migrate(AFTER)
    assert index_columns() == after
    statements = " ".join(query["sql"] for query in executed.captured_queries).upper()
    assert "DROP INDEX" in statements and "CREATE INDEX" in statements
    assert "CREATE TABLE" not in statements and "ALTER TABLE" not in statements  # the table is not copied


@pytest.mark.django_db(transaction=True)
def test_the_submitter_scope_index_replaces_the_foreign_keys_own_both_ways():  # type: ignore[no-untyped-def]
    """Decision 263 (0020): (submitting unit, union, status) in, the unit's single-column index
    out, and back, without copying the table."""
    migrate(("applications", "0020_submitter_scope_index"))
    after = index_columns()
    assert ("submitting_org_id", "union_id", "status") in after and ("submitting_org_id",) not in after

    migrate(("applications", "0019_purged_materials_stay_current"))
    before = index_columns()
    assert ("submitting_org_id",) in before and ("submitting_org_id", "union_id", "status") not in before

    with CaptureQueriesContext(connection) as executed:
        migrate(("applications", "0020_submitter_scope_index"))
    assert index_columns() == after
    statements = " ".join(query["sql"] for query in executed.captured_queries).upper()
    assert "DROP INDEX" in statements and "CREATE INDEX" in statements
    assert "CREATE TABLE" not in statements and "ALTER TABLE" not in statements  # the table is not copied
