"""The tracebacks of background tasks that failed before decision 289, masked as the application
log masks them: from now on ``rewards.core.tasks_app.mask_failure`` masks them as they are stored."""

from django.db import migrations


def mask_stored(apps, schema_editor):  # type: ignore[no-untyped-def]
    from rewards.core.logs import mask_log_message

    results = apps.get_model("django_tasks_database", "DBTaskResult")
    for pk, traceback in results.objects.exclude(traceback="").values_list("pk", "traceback").iterator():
        masked = mask_log_message(traceback)
        if masked != traceback:
            results.objects.filter(pk=pk).update(traceback=masked)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_audit_chain_keyed"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunPython(mask_stored, migrations.RunPython.noop),
    ]
