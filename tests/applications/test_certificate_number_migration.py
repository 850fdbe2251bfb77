"""Migration applications 0016: certificate numbers stored as typed in full-width characters are
folded as the HR registry keeps them, and the signals that may read otherwise now are marked
to be worked out again (by whatever a reviewer does first with the application)."""

from __future__ import annotations

import pytest

from rewards.applications.models import Application, FlagCode
from rewards.campaigns.setup.year_copy import campaign_copy
from rewards.core import clock
from rewards.review.flags import ensure_signals
from tests import factories
from tests.migrations import migrate

pytestmark = pytest.mark.usefixtures("latest_migrations_after")

BEFORE = ("applications", "0015_counter_verbose_name")
AFTER = ("applications", "0016_certificate_numbers_folded")


@pytest.mark.django_db(transaction=True)
def test_stored_full_width_numbers_are_folded_and_their_signals_worked_out_again(campaign, xihu):  # type: ignore[no-untyped-def]
    member = factories.make_member(union=xihu)
    factories.make_certificate(member=member, certificate_no="HY2020001")
    typed = factories.make_application(campaign=campaign, member=member, status="pending_city", certificate_no="HY2020001")
    plain = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), certificate_no="2020330000001")
    now = clock.now()
    Application.objects.filter(pk=typed.pk).update(certificate_no="ＨＹ２０２０ ００１\u200b", signals_at=now)
    typed.flags.create(
        code=FlagCode.NOT_IN_REGISTRY, hard=True, message="人社证书库中没有编号为 ＨＹ２０２０ ００１ 的证书。", raised_at=now
    )
    Application.objects.filter(pk=plain.pk).update(signals_at=now)

    migrate(BEFORE)
    migrate(AFTER)

    typed.refresh_from_db()
    assert typed.certificate_no == "HY2020001" and typed.signals_at is None
    assert Application.objects.get(pk=plain.pk).signals_at == now  # unchanged, one campaign only
    ensure_signals(typed)  # a reviewer opens it: the false signal goes
    assert not typed.flags.exists()


@pytest.mark.django_db(transaction=True)
def test_with_another_campaign_applications_awaiting_review_are_compared_again(campaign, administrator, xihu):  # type: ignore[no-untyped-def]
    campaign_2021 = campaign_copy(from_year=2020, to_year=2021, acting_user=administrator)
    now = clock.now()
    waiting = factories.make_application(campaign=campaign_2021, member=factories.make_member(union=xihu), status="pending_city")
    paid = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), status="paid")
    Application.objects.filter(pk__in=[waiting.pk, paid.pk]).update(signals_at=now)

    migrate(BEFORE)
    migrate(AFTER)

    assert Application.objects.get(pk=waiting.pk).signals_at is None
    assert Application.objects.get(pk=paid.pk).signals_at == now
