from django.db import migrations, models


def staged_zips(apps, schema_editor):
    """Imports whose zip is still staged came with one; a finished import's cannot be told."""
    BatchImport = apps.get_model("batches", "BatchImport")
    BatchImport.objects.exclude(zip_path="").update(with_materials=True)


class Migration(migrations.Migration):
    dependencies = [
        ("batches", "0004_import_discarded"),
    ]

    operations = [
        migrations.AddField(
            model_name="batchimport",
            name="with_materials",
            field=models.BooleanField(default=False, verbose_name="含材料压缩包"),
        ),
        migrations.RunPython(staged_zips, migrations.RunPython.noop),
    ]
