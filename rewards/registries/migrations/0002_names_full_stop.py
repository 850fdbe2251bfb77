"""Names stored before the 间隔号 rule (decision 121): a full stop between Chinese characters
(买买提.艾力, 买买提。艾力, 买买提﹒艾力) is the 间隔号, as names are now cleaned when typed; without
this, such a member could no longer sign in with the name as the registry held it."""

import re

from django.db import migrations
from django.db.models import Q

_DOT = re.compile(r"(?<=[\u4e00-\u9fff])\s*[.。﹒]\s*(?=[\u4e00-\u9fff])")


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    for model_name in ("Member", "Certificate", "PastAward"):
        model = apps.get_model("registries", model_name)
        dotted = model.objects.filter(Q(name__contains=".") | Q(name__contains="。") | Q(name__contains="﹒"))
        for pk, name in dotted.values_list("pk", "name").iterator(chunk_size=2000):
            cleaned = _DOT.sub("·", name)
            if cleaned != name:
                model.objects.filter(pk=pk).update(name=cleaned)


class Migration(migrations.Migration):
    dependencies = [("registries", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
