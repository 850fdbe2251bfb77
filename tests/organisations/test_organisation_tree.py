"""The union tree edited in the admin (SECURITY.md 1): every staff query is scoped by a unit's
materialised path, so the tree stays three levels deep and acyclic, and a unit moved takes the
units below it along (decision 285)."""

from __future__ import annotations

import pytest
from django.test import Client

from rewards.organisations.models import Organisation, OrgKind
from rewards.organisations.selectors import visible_organisations
from rewards.review.services import scoped_applications
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(administrator) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(administrator)
    return client


def change(client: Client, org: Organisation, **overrides):  # type: ignore[no-untyped-def]
    data = {
        "name": org.name,
        "kind": org.kind,
        "parent": org.parent_id or "",
        "employer": org.employer,
        "position": org.position,
        "active": "on",
    }
    return client.post(f"/admin/organisations/organisation/{org.pk}/change/", {**data, **overrides})


def test_a_district_cannot_be_hung_under_its_own_grassroots_union(admin_client, campaign, xihu, xihu_grassroots, grassroots_clerk):
    """A careless choice in the parent box would have opened all of 西湖区 to one union's clerk."""
    application = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu))
    response = change(admin_client, xihu, parent=xihu_grassroots.pk)
    assert response.status_code == 200
    assert "上级工会不能是本单位自己或本单位下属的单位。" in response.content.decode()
    xihu.refresh_from_db()
    assert xihu.parent.kind == OrgKind.CITY
    assert not visible_organisations(grassroots_clerk).filter(pk=xihu.pk).exists()
    assert not scoped_applications(grassroots_clerk).filter(pk=application.pk).exists()


def test_a_unit_cannot_be_its_own_parent(admin_client, xihu):
    response = change(admin_client, xihu, parent=xihu.pk)
    assert "上级工会不能是本单位自己或本单位下属的单位。" in response.content.decode()
    xihu.refresh_from_db()
    assert xihu.parent.kind == OrgKind.CITY


def test_a_district_cannot_be_hung_under_another_district(admin_client, campaign, xihu, shangcheng, shangcheng_reviewer):
    application = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu))
    response = change(admin_client, xihu, parent=shangcheng.pk)
    assert "区县（市）/产业工会的上级工会应为市总工会。" in response.content.decode()
    assert not scoped_applications(shangcheng_reviewer).filter(pk=application.pk).exists()


def test_a_grassroots_union_hangs_under_a_district_and_may_move_to_another(admin_client, city, shangcheng, xihu_grassroots):
    response = change(admin_client, xihu_grassroots, parent=city.pk)
    assert "基层工会的上级工会应为区县（市）/产业工会。" in response.content.decode()
    assert change(admin_client, xihu_grassroots, parent=shangcheng.pk).status_code == 302
    xihu_grassroots.refresh_from_db()
    assert xihu_grassroots.path == f"{shangcheng.path}{xihu_grassroots.pk}/"


def test_a_district_with_grassroots_unions_cannot_become_a_grassroots_union(admin_client, xihu, xihu_grassroots, shangcheng):
    response = change(admin_client, xihu, kind=OrgKind.GRASSROOTS, parent=shangcheng.pk)
    assert "本单位下属的“杭州西湖精密机械有限公司工会”是基层工会" in response.content.decode()
    xihu.refresh_from_db()
    assert xihu.kind == OrgKind.DISTRICT


def test_a_unit_moved_takes_the_units_below_it_along(xihu, xihu_grassroots):
    other_city = Organisation(name="另一个市总工会", kind=OrgKind.CITY, parent=None)
    other_city.save()
    xihu.parent = other_city
    xihu.save()
    xihu_grassroots.refresh_from_db()
    assert xihu.path == f"/{other_city.pk}/{xihu.pk}/"
    assert xihu_grassroots.path == f"{xihu.path}{xihu_grassroots.pk}/"
