"""Migration applications 0017: an application stored before decision 121 with 买买提.艾力 gets
the 间隔号 as the registries did (0002), so Annex 3, Annex 4 and the next bank file print it."""

from __future__ import annotations

import pytest

from rewards.applications.models import Application
from tests import factories
from tests.migrations import migrate

pytestmark = pytest.mark.usefixtures("latest_migrations_after")


@pytest.mark.django_db(transaction=True)
def test_stored_full_stops_in_application_names_become_the_interpunct(campaign, xihu):  # type: ignore[no-untyped-def]
    dotted = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu))
    Application.objects.filter(pk=dotted.pk).update(name="买买提。艾力")
    latin = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu))
    Application.objects.filter(pk=latin.pk).update(name="J.Smith")

    migrate(("applications", "0016_certificate_numbers_folded"))
    migrate(("applications", "0017_names_full_stop"))

    assert Application.objects.get(pk=dotted.pk).name == "买买提·艾力"
    assert Application.objects.get(pk=latin.pk).name == "J.Smith"
