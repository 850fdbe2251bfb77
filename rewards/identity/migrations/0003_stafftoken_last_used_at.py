"""Staff API tokens get an idle limit (SECURITY.md 10; decision 134): ``last_used_at``, which
tokens already issued take from their issue time (so one unused for 30 minutes ends at once)."""

from django.db import migrations, models
from django.db.models import F


def from_issue_time(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("identity", "StaffToken").objects.update(last_used_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0002_staff_totp"),
    ]

    operations = [
        migrations.AddField(
            model_name="stafftoken",
            name="last_used_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(from_issue_time, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="stafftoken",
            name="last_used_at",
            field=models.DateTimeField(),
        ),
    ]
