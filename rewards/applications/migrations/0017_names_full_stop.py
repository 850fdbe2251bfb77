"""Applications stored before the 间隔号 rule (decision 121) keep 买买提.艾力 as typed: the names
are cleaned as the registries were (registries 0002), so that Annex 3, Annex 4 and the next
payment batch print 买买提·艾力 like every name typed since. Payment lines already built keep
the name they were sent to the bank with (a batch is frozen)."""

import re

from django.db import migrations
from django.db.models import Q

_DOT = re.compile(r"(?<=[\u4e00-\u9fff])\s*[.。﹒]\s*(?=[\u4e00-\u9fff])")


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    application = apps.get_model("applications", "Application")
    dotted = application.objects.filter(Q(name__contains=".") | Q(name__contains="。") | Q(name__contains="﹒"))
    for pk, name in dotted.values_list("pk", "name").iterator(chunk_size=2000):
        cleaned = _DOT.sub("·", name)
        if cleaned != name:
            application.objects.filter(pk=pk).update(name=cleaned)


class Migration(migrations.Migration):
    dependencies = [("applications", "0016_certificate_numbers_folded")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
