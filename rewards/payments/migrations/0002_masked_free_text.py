"""The bank's and the finance officer's reasons: long digit runs masked when stored (decision 62),
and those already stored masked now. The column does not change, so the table is not rebuilt."""

from django.db import migrations

import rewards.core.fields
from rewards.core.masking import mask_stored_text


def mask_existing(apps, schema_editor):
    mask_stored_text(apps.get_model("payments", "PaymentLine"), ("result_reason", "reversal_reason"))


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="paymentline",
                    name="result_reason",
                    field=rewards.core.fields.MaskedCharField(blank=True, max_length=200, verbose_name="银行反馈"),
                ),
                migrations.AlterField(
                    model_name="paymentline",
                    name="reversal_reason",
                    field=rewards.core.fields.MaskedCharField(blank=True, max_length=200, verbose_name="退汇原因"),
                ),
            ],
            database_operations=[migrations.RunPython(mask_existing, migrations.RunPython.noop)],
        ),
    ]
