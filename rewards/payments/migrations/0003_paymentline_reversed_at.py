"""退汇时间 on its own column: a reversal had overwritten ``result_at``, the time the bank's return
file answered the line. Lines already reversed get their reversal time from ``result_at`` and
their success time back from the application's history (the 已发放 step the import wrote with the
same time), the latest one not after the reversal and not before the line's batch was built (an
earlier line of the same application, paid and sent back or failed, has its own success time,
never this one's); without it, none (unknown, not invented)."""

from django.db import migrations, models


def split_reversal_times(apps, schema_editor):
    PaymentLine = apps.get_model("payments", "PaymentLine")
    ApplicationEvent = apps.get_model("applications", "ApplicationEvent")
    lines = PaymentLine.objects.filter(status="reversed", reversed_at__isnull=True).values_list("pk", "application_id", "result_at", "batch__built_at")
    for pk, application_id, reversed_at, built_at in lines:
        paid = ApplicationEvent.objects.filter(application_id=application_id, stage="paid", at__gte=built_at)
        if reversed_at is not None:
            paid = paid.filter(at__lte=reversed_at)
        paid_at = paid.order_by("-at", "-pk").values_list("at", flat=True).first()
        PaymentLine.objects.filter(pk=pk).update(reversed_at=reversed_at, result_at=paid_at)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0019_purged_materials_stay_current"),
        ("payments", "0002_masked_free_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentline",
            name="reversed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="退汇时间"),
        ),
        migrations.RunPython(split_reversal_times, migrations.RunPython.noop),
    ]
