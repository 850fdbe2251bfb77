# The Annex 1 progress figures' covering index (rewards/reports/progress.py), in place of the
# (campaign, status) index it extends: as many indexes written per submission as before.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0011_purged_at"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="application",
            name="application_campaig_a88536_idx",
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["campaign", "status", "union", "amount"], name="app_progress"),
        ),
    ]
