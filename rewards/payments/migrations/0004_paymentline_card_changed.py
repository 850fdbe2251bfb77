"""卡已变更 frozen with the line: whether the card a line carries had been changed after the
application's approval when its batch was built (``card_changed``), and when (``card_changed_at``).

Until now the pages derived it from the application's one 审核通过后更改了银行卡 signal, whose
time moves with each correction: a second correction took the mark off the older batch that paid
the first corrected card. The lines built before are filled from the best evidence there is, in
this order, per line (its application, its batch's build time T):

1. Changed (``True``) when the application's history has a 更正银行卡 step (``bank_corrected``,
   written with every correction after a failed payment) no later than T, or its signal was
   raised no later than T (it then names the latest correction, the one the line carries), or
   an earlier line of the application carries another card or branch. The time is the latest
   such step or signal no later than T; when only the cards tell, none (unknown, not invented).
2. Not changed (``False``) when the history records the application's corrections and none is
   before T (its steps are all later), when there is neither a step nor a signal (each
   correction writes both in one transaction), or when the line is the application's first (a
   card is corrected only after a failed payment, so a first line carries the approved card).
3. Unknown (``NULL``) otherwise: a signal raised after T with no step in the history. The signal
   names only the latest correction; whether one came before T nothing recorded says.

Purged lines (their card cut to the last four digits, no blind index) are compared by nothing
but the history and the signal. Reversing the migration drops the columns.
"""

from collections import defaultdict

from django.db import migrations, models

CHUNK = 2000


def freeze_card_changes(apps, schema_editor):
    PaymentLine = apps.get_model("payments", "PaymentLine")
    ApplicationEvent = apps.get_model("applications", "ApplicationEvent")
    Flag = apps.get_model("applications", "Flag")

    steps = defaultdict(list)
    for application_id, at in ApplicationEvent.objects.filter(stage="bank_corrected").values_list("application_id", "at"):
        steps[application_id].append(at)
    signals = dict(Flag.objects.filter(code="bank_changed").values_list("application_id", "raised_at"))

    lines = defaultdict(list)
    rows = PaymentLine.objects.order_by("batch__built_at", "pk").values_list(
        "pk", "application_id", "batch__built_at", "bank_card_hash", "bank_branch"
    )
    for pk, application_id, built_at, card_hash, branch in rows.iterator(chunk_size=CHUNK):
        lines[application_id].append((pk, built_at, card_hash, branch))

    decided = {True: [], False: [], None: []}
    times = {}
    for application_id, application_lines in lines.items():
        corrected = steps.get(application_id, [])
        raised = signals.get(application_id)
        for index, (pk, built_at, card_hash, branch) in enumerate(application_lines):
            known = [at for at in corrected if at <= built_at] + ([raised] if raised is not None and raised <= built_at else [])
            other_card = any(
                (earlier_hash != card_hash and earlier_hash and card_hash) or earlier_branch != branch
                for _, _, earlier_hash, earlier_branch in application_lines[:index]
            )
            if known or other_card:
                decided[True].append(pk)
                if known:
                    times[pk] = max(known)
            elif corrected or raised is None or index == 0:
                decided[False].append(pk)
            else:
                decided[None].append(pk)

    for value, pks in decided.items():
        for start in range(0, len(pks), CHUNK):
            PaymentLine.objects.filter(pk__in=pks[start : start + CHUNK]).update(card_changed=value)
    for pk, at in times.items():
        PaymentLine.objects.filter(pk=pk).update(card_changed_at=at)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0019_purged_materials_stay_current"),
        ("payments", "0003_paymentline_reversed_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentline",
            name="card_changed",
            field=models.BooleanField(blank=True, null=True, verbose_name="审核通过后更改了银行卡"),
        ),
        migrations.AddField(
            model_name="paymentline",
            name="card_changed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="银行卡更改时间"),
        ),
        migrations.AddConstraint(
            model_name="paymentline",
            constraint=models.CheckConstraint(
                condition=models.Q(("card_changed_at__isnull", True), ("card_changed", True), _connector="OR"),
                name="payment_line_card_changed_at_only_if_changed",
            ),
        ),
        # Last: on PostgreSQL the rows it updates leave deferred foreign-key checks pending until
        # the commit, and no ALTER TABLE of the same table may follow them in this transaction.
        migrations.RunPython(freeze_card_changes, migrations.RunPython.noop),
    ]
