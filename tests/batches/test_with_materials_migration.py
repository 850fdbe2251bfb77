"""Migration batches 0005: an import whose materials zip is still staged came with one (含材料压缩包);
a finished import's zip is gone and cannot be told."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from rewards.batches.models import BatchImport
from tests.migrations import migrate

pytestmark = pytest.mark.usefixtures("latest_migrations_after")

BEFORE = ("batches", "0004_import_discarded")


@pytest.mark.django_db(transaction=True)
def test_an_import_with_its_zip_still_staged_is_marked_as_with_materials(grassroots_clerk, campaign):  # type: ignore[no-untyped-def]
    migrate(BEFORE)
    old = MigrationExecutor(connection).loader.project_state(BEFORE).apps.get_model("batches", "BatchImport")
    common = {
        "campaign_id": campaign.pk,
        "org_id": grassroots_clerk.organisation_id,
        "uploaded_by_id": grassroots_clerk.pk,
        "file_name": "汇总表.xlsx",
        "sha256": "0" * 64,
        "created_at": timezone.now(),
    }
    staged = old.objects.create(sheet_path="batches/a", zip_path="batches/a-materials", status="checked", **common)
    without = old.objects.create(sheet_path="batches/b", zip_path="", status="checked", **common)
    finished = old.objects.create(sheet_path="", zip_path="", status="done", **common)

    migrate(("batches", "0005_batchimport_with_materials"))

    # Read as that state has it: later migrations add columns the model names.
    marked = dict(BatchImport.objects.values_list("pk", "with_materials"))
    assert marked == {staged.pk: True, without.pk: False, finished.pk: False}
