"""Migration registries 0002: a name stored with a full stop between Chinese characters becomes
the 间隔号 form that names are now cleaned to, so its member still signs in (decision 121)."""

from __future__ import annotations

import pytest

from rewards.identity.services import verified_member
from rewards.registries.models import Member
from tests import factories
from tests.migrations import migrate

pytestmark = pytest.mark.usefixtures("latest_migrations_after")


@pytest.mark.django_db(transaction=True)
def test_stored_full_stops_become_the_interpunct_and_the_member_signs_in(xihu):  # type: ignore[no-untyped-def]
    dotted = factories.make_member(union=xihu)
    Member.objects.filter(pk=dotted.pk).update(name="买买提.艾力")
    latin = factories.make_member(union=xihu)
    Member.objects.filter(pk=latin.pk).update(name="J.Smith")

    migrate(("registries", "0001_initial"))
    migrate(("registries", "0002_names_full_stop"))

    assert Member.objects.get(pk=dotted.pk).name == "买买提·艾力"
    assert Member.objects.get(pk=latin.pk).name == "J.Smith"  # between Latin letters it stays
    for typed in ("买买提.艾力", "买买提·艾力"):
        assert verified_member(dotted.id_number, typed).pk == dotted.pk
