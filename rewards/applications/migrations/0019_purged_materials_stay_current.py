"""A purged material stays the current one of its kind (``purge_expired`` no longer clears
``current``), so that the review detail can say its file was destroyed at the end of retention
instead of listing no material at all.

Rows purged before lost the mark. A material stops being current only when a newer upload of its
kind replaces it (``materials.store``, in the same transaction), so of each application's purged
rows of one kind the last one written was the current one: it gets the mark back, unless a row of
that kind is still current (which the purge never left). No file is touched.
"""

from django.db import migrations
from django.db.models import Exists, Max, OuterRef

CHUNK = 1000


def mark_last_purged_current(apps, schema_editor):  # type: ignore[no-untyped-def]
    Attachment = apps.get_model("applications", "Attachment")
    current_of_kind = Attachment.objects.filter(application_id=OuterRef("application_id"), kind=OuterRef("kind"), current=True)
    groups = (
        Attachment.objects.filter(purged_at__isnull=False)
        .exclude(Exists(current_of_kind))
        .values("application_id", "kind")
        .annotate(last=Max("pk"))
        .order_by()
    )
    lasts = sorted({group["last"] for group in groups})
    for start in range(0, len(lasts), CHUNK):
        Attachment.objects.filter(pk__in=lasts[start : start + CHUNK]).update(current=True)


def unmark(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("applications", "Attachment").objects.filter(purged_at__isnull=False, current=True).update(current=False)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0018_return_materials"),
    ]

    operations = [
        migrations.RunPython(mark_last_purged_current, unmark, elidable=True),
    ]
