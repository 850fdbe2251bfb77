"""The audit chain becomes keyed (SECURITY.md 17; decision 133).

New entries are hashed with HMAC-SHA256 under ``AUDIT_CHAIN_KEY``. The entries written before
keep their plain SHA-256 hashes, untouched: they are walked once and sealed by one keyed
``audit.chain_keyed`` entry chained onto the last of them (``rewards.core.audit.
seal_unkeyed_chain``), and the head gets a keyed seal. Nothing is written on an empty log.
"""

from django.db import migrations, models


def seal(apps, schema_editor):  # type: ignore[no-untyped-def]
    from rewards.core.audit import seal_unkeyed_chain

    seal_unkeyed_chain(apps.get_model("core", "AuditEvent"), apps.get_model("core", "AuditChainHead"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_auditevent_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditchainhead",
            name="seal",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(seal, migrations.RunPython.noop),
    ]
