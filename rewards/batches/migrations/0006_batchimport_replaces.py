import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("batches", "0005_batchimport_with_materials"),
    ]

    operations = [
        migrations.AddField(
            model_name="batchimport",
            name="replaces",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="replacements",
                to="batches.batchimport",
                verbose_name="替换的导入记录",
            ),
        ),
    ]
