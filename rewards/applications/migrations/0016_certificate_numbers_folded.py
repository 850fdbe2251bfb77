"""Certificate numbers stored before they were read as the HR registry keeps them.

Typed in full-width characters (２０２０…, ＨＹ２０２０００１) a number was kept as typed: it missed the
registry (a false ``not_in_registry``) and did not meet the same number typed in half-width (no
``certificate_shared``). The registry's importer always folded widths; typed numbers now are
folded the same way (``rewards.core.text.certificate_number``) and this migration folds those
already stored. ``Application.certificate_no`` carries no unique constraint (two people with one
number is a signal, not an error), so folding cannot collide; the registry's own numbers were
folded when imported.

Signals are worked out again where their facts may have changed, by marking them unknown
(``signals_at`` empty): whatever a reviewer does first with such an application works them out
on the spot. That is every application whose number was folded, and, when there is more than
one campaign, every application still waiting for a review (cards and certificates are now
compared with other campaigns' applications too), so that no 终审 passes a signal found late.
"""

import re
import unicodedata

from django.db import migrations

_SPACES = re.compile(r"\s+")
#: Statuses in which a reviewer still decides (pending_* and returned).
AWAITING_REVIEW = ("pending_grassroots", "pending_district", "pending_city", "returned")


def fold(value: str) -> str:
    """``rewards.core.text.certificate_number`` as of this migration (a copy: a migration must
    not change when the code it once called does): invisible characters (Unicode's format and
    control classes) and spaces dropped, widths folded, letters upper-case."""
    visible = "".join(char for char in value if unicodedata.category(char) not in ("Cf", "Cc"))
    return _SPACES.sub("", unicodedata.normalize("NFKC", visible)).upper()


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    application = apps.get_model("applications", "Application")
    campaign = apps.get_model("campaigns", "Campaign")
    # Anonymised applications keep the number's last four characters as evidence, no signals.
    rows = application.objects.filter(purged_at__isnull=True).order_by().values_list("pk", "certificate_no")
    # Read first, then written (SQLite does not isolate a read from writes on one connection).
    changed = [(pk, folded) for pk, number in rows.iterator(chunk_size=2000) if (folded := fold(number)) != number]
    for pk, folded in changed:
        if len(folded) <= 60:
            application.objects.filter(pk=pk).update(certificate_no=folded, signals_at=None)
    if campaign.objects.count() > 1:
        application.objects.filter(status__in=AWAITING_REVIEW, purged_at__isnull=True).update(signals_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0015_counter_verbose_name"),
        ("campaigns", "0003_declaration_actors_and_once"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
