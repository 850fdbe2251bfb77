from django.db import migrations, models
from django.db.models import F


def queued_with_the_import(apps, schema_editor):
    """Imports made before the field queued their SMS inside the import itself."""
    ResultImport = apps.get_model("payments", "ResultImport")
    ResultImport.objects.filter(sms_queued_at__isnull=True).update(sms_queued_at=F("imported_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0005_batch_digest_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="resultimport",
            name="sms_queued_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="短信登记完成时间"),
        ),
        migrations.RunPython(queued_with_the_import, migrations.RunPython.noop),
    ]
