# The progress dashboard's covering index (rewards/reports/progress.py), in place of the
# (campaign, status) index it extends: one index per submission as before, one wider.

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
            index=models.Index(
                fields=["campaign", "status", "union", "new_level", "channel", "is_migrant", "occupation", "amount", "submitted_at"],
                name="app_progress",
            ),
        ),
    ]
