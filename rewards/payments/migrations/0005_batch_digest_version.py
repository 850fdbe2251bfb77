"""冻结内容摘要 gets a version: the batches frozen so far keep the formula they were frozen with
(1: without 卡已变更) and keep verifying with it; new batches are frozen with version 2, which
covers each line's 卡已变更 (``card_changed``, ``card_changed_at``). Nothing is re-digested: a
digest made now would vouch for whatever the lines hold today."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0004_paymentline_card_changed"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentbatch",
            name="digest_version",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="冻结内容摘要版本"),
        ),
        migrations.AlterField(
            model_name="paymentbatch",
            name="digest_version",
            field=models.PositiveSmallIntegerField(default=2, verbose_name="冻结内容摘要版本"),
        ),
    ]
