"""Migration applications 0019: materials purged before the purge kept ``current`` get it back on
the last row of each kind (the one that was current), so the review detail says they were
destroyed; a row replaced before the purge stays replaced, and live rows are left alone."""

from __future__ import annotations

import pytest

from rewards.applications.models import Attachment
from rewards.core import clock
from tests import factories
from tests.migrations import migrate

pytestmark = pytest.mark.usefixtures("latest_migrations_after")

BEFORE = ("applications", "0018_return_materials")
AFTER = ("applications", "0019_purged_materials_stay_current")


def material(application, kind: str, *, current: bool = True) -> Attachment:  # type: ignore[no-untyped-def]
    return Attachment.objects.create(
        application=application,
        kind=kind,
        storage_name=f"materials/2020/{application.pk}-{kind}-{Attachment.objects.count()}",
        content_type="image/jpeg",
        size=10,
        sha256="a" * 64,
        current=current,
        uploaded_at=clock.now(),
    )


@pytest.mark.django_db(transaction=True)
def test_the_last_purged_row_of_each_kind_is_current_again(campaign, xihu):  # type: ignore[no-untyped-def]
    purged = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), status="paid")
    replaced = material(purged, "bank_card", current=False)
    rows = [material(purged, kind) for kind in ("id_card", "certificate", "bank_card")]
    live = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu))
    old_live = material(live, "id_card", current=False)
    new_live = material(live, "id_card")
    # What purge_expired did until now: every row marked, none current.
    Attachment.objects.filter(application=purged).update(purged_at=clock.now(), current=False)

    migrate(BEFORE)
    migrate(AFTER)

    assert set(Attachment.objects.filter(application=purged, current=True).values_list("pk", flat=True)) == {row.pk for row in rows}
    assert Attachment.objects.get(pk=replaced.pk).current is False
    assert (Attachment.objects.get(pk=old_live.pk).current, Attachment.objects.get(pk=new_live.pk).current) == (False, True)

    migrate(BEFORE)  # undone: the purged rows as the old purge left them
    assert not Attachment.objects.filter(application=purged, current=True).exists()
    migrate(AFTER)
    assert Attachment.objects.filter(current=True).count() == 4
