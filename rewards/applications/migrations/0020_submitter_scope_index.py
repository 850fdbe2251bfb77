"""The index a district's queue counts read for what its units submitted for a union outside it
(decision 263): submitting unit, union, status. It starts with the submitting unit, so it
replaces the foreign key's own single-column index, which is dropped by name (as in 0013)
rather than by ``AlterField``, which on SQLite would copy the whole table."""

import django.db.models.deletion
from django.db import migrations, models


def drop_foreign_key_index(apps, schema_editor):
    model = apps.get_model("applications", "Application")
    for name in schema_editor._constraint_names(model, ["submitting_org_id"], index=True, unique=False, primary_key=False):
        schema_editor.execute(schema_editor._delete_index_sql(model, name))


def create_foreign_key_index(apps, schema_editor):
    model = apps.get_model("applications", "Application")
    schema_editor.execute(schema_editor._create_index_sql(model, fields=[model._meta.get_field("submitting_org")]))


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0019_purged_materials_stay_current"),
        ("campaigns", "0005_declaration_business_time"),
        ("organisations", "0006_pending_lapse"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["submitting_org", "union", "status"], name="app_submitter_scope"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="application",
                    name="submitting_org",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="organisations.organisation",
                        verbose_name="填报单位",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_foreign_key_index, create_foreign_key_index)],
        ),
    ]
