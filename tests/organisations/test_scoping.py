"""scope_to_subtree: staff see only their own organisation's subtree (DOMAIN.md §1, SECURITY.md 1)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from rewards.core.errors import NotFound
from rewards.organisations.models import Organisation, OrgKind, StaffUser
from rewards.organisations.selectors import (
    city_union,
    get_organisation_in_scope,
    organisation_by_name,
    scope_to_subtree,
    visible_organisations,
)
from rewards.organisations.services import organisation_ensure
from rewards.registries.models import Member
from tests import factories


@pytest.fixture
def people(xihu, shangcheng, xihu_grassroots, shangcheng_grassroots):  # type: ignore[no-untyped-def]
    """One member directly under each district, and one under each district's grassroots union."""
    return {
        "xihu": factories.make_member(union=xihu, name="西湖直属"),
        "xihu_grassroots": factories.make_member(union=xihu, grassroots=xihu_grassroots, name="西湖基层"),
        "shangcheng": factories.make_member(union=shangcheng, name="上城直属"),
        "shangcheng_grassroots": factories.make_member(union=shangcheng, grassroots=shangcheng_grassroots, name="上城基层"),
    }


@pytest.fixture
def xihu_other_grassroots(xihu):  # type: ignore[no-untyped-def]
    org, _ = organisation_ensure(name="杭州西溪电子有限公司工会", kind=OrgKind.GRASSROOTS, parent=xihu)
    return org


def names(queryset) -> set[str]:  # type: ignore[no-untyped-def]
    return set(queryset.values_list("name", flat=True))


def test_a_district_reviewer_sees_its_district_and_grassroots_rows_only(xihu_reviewer, people):
    assert names(scope_to_subtree(Member.objects.all(), xihu_reviewer, org_field="union")) == {"西湖直属", "西湖基层"}
    assert names(scope_to_subtree(Member.objects.all(), xihu_reviewer, org_field="grassroots_union")) == {"西湖基层"}


def test_another_district_reviewer_sees_the_other_side(shangcheng_reviewer, people):
    assert names(scope_to_subtree(Member.objects.all(), shangcheng_reviewer, org_field="union")) == {"上城直属", "上城基层"}


def test_a_district_reviewer_sees_its_own_organisations(xihu_reviewer, xihu, xihu_grassroots, xihu_other_grassroots, shangcheng_grassroots):
    assert names(visible_organisations(xihu_reviewer)) == {"西湖区总工会", xihu_grassroots.name, xihu_other_grassroots.name}
    assert names(scope_to_subtree(Organisation.objects.all(), xihu_reviewer, org_field="parent")) == {
        xihu_grassroots.name,
        xihu_other_grassroots.name,
    }


def test_a_city_user_sees_everything(city_reviewer, people, shangcheng_grassroots):
    assert Member.objects.count() == 4
    assert names(scope_to_subtree(Member.objects.all(), city_reviewer, org_field="union")) == set(
        Member.objects.values_list("name", flat=True)
    )
    assert visible_organisations(city_reviewer).count() == Organisation.objects.count()
    assert visible_organisations(city_reviewer).filter(kind=OrgKind.DISTRICT).count() == 24


def test_a_grassroots_clerk_sees_only_its_own_union(grassroots_clerk, people, xihu_grassroots, xihu_other_grassroots, xihu):
    factories.make_member(union=xihu, grassroots=xihu_other_grassroots, name="西溪基层")

    assert names(scope_to_subtree(Member.objects.all(), grassroots_clerk, org_field="grassroots_union")) == {"西湖基层"}
    # District-level rows are above the clerk's union.
    assert not scope_to_subtree(Member.objects.all(), grassroots_clerk, org_field="union").exists()
    assert list(visible_organisations(grassroots_clerk)) == [xihu_grassroots]


def test_an_inactive_user_sees_nothing(xihu_reviewer, people):
    xihu_reviewer.is_active = False
    xihu_reviewer.save()
    user = StaffUser.objects.get(pk=xihu_reviewer.pk)

    assert not scope_to_subtree(Member.objects.all(), user, org_field="union").exists()
    assert not visible_organisations(user).exists()
    with pytest.raises(NotFound):
        get_organisation_in_scope(user, "西湖区总工会")


def test_a_user_without_an_organisation_sees_nothing(people):
    user = StaffUser.objects.create_user(username="nobody", password="correct-horse-battery-2020")

    assert not scope_to_subtree(Member.objects.all(), user, org_field="union").exists()
    assert not visible_organisations(user).exists()
    assert not scope_to_subtree(Member.objects.all(), AnonymousUser(), org_field="union").exists()
    assert not visible_organisations(AnonymousUser()).exists()


def test_a_sibling_whose_path_shares_a_prefix_is_not_inside(xihu_reviewer, xihu):
    """``/1/5/`` must not match ``/1/50/``: the path ends with a slash."""
    lookalike = Organisation(pk=int(f"{xihu.pk}0"), name="测试产业工会", kind=OrgKind.DISTRICT, parent=xihu.parent)
    lookalike.save()
    factories.make_member(union=lookalike, name="相似路径")

    assert lookalike.path.startswith(xihu.path[:-1])
    assert not visible_organisations(xihu_reviewer).filter(pk=lookalike.pk).exists()
    assert "相似路径" not in names(scope_to_subtree(Member.objects.all(), xihu_reviewer, org_field="union"))


def test_get_organisation_in_scope(xihu_reviewer, xihu_grassroots, shangcheng_grassroots):
    assert get_organisation_in_scope(xihu_reviewer, xihu_grassroots.name) == xihu_grassroots
    with pytest.raises(NotFound):
        get_organisation_in_scope(xihu_reviewer, shangcheng_grassroots.name)
    with pytest.raises(NotFound):
        get_organisation_in_scope(xihu_reviewer, "不存在的工会")


def test_organisation_by_name_matches_full_and_half_width_brackets(campaign):
    binjiang = organisation_by_name("高新区（滨江）总工会")

    assert binjiang is not None and binjiang.name == "高新区（滨江）总工会"
    assert organisation_by_name("高新区(滨江)总工会") == binjiang
    assert organisation_by_name("高新区(滨江）总工会") == binjiang
    assert organisation_by_name(" 高新区 （滨江） 总工会 ") == binjiang
    assert organisation_by_name("高新区（滨江）总工会", kind=OrgKind.DISTRICT) == binjiang
    assert organisation_by_name("高新区（滨江）总工会", kind=OrgKind.GRASSROOTS) is None
    assert organisation_by_name("高新区总工会") is None


def test_the_city_union_is_the_root(city):
    assert city_union() == city
    assert (city.kind, city.parent, city.path) == (OrgKind.CITY, None, f"/{city.pk}/")
