"""Opinions and signal notes: long digit runs masked when stored (decision 62), and those already
stored masked now. The column does not change, so the table is not rebuilt."""

from django.db import migrations

import rewards.core.fields
from rewards.core.masking import mask_stored_text


def mask_existing(apps, schema_editor):
    mask_stored_text(apps.get_model("applications", "ApplicationEvent"), ("opinion",))
    mask_stored_text(apps.get_model("applications", "Flag"), ("resolution_note",))


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0013_person_and_certificate_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="applicationevent",
                    name="opinion",
                    field=rewards.core.fields.MaskedTextField(blank=True, verbose_name="意见"),
                ),
                migrations.AlterField(
                    model_name="flag",
                    name="resolution_note",
                    field=rewards.core.fields.MaskedTextField(blank=True, verbose_name="处理说明"),
                ),
            ],
            database_operations=[migrations.RunPython(mask_existing, migrations.RunPython.noop)],
        ),
    ]
