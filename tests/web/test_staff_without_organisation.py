"""An account with a role and no organisation (decision 184 no longer lets an administrator make
one; an older row may still hold it): the pages that act for the caller's union refuse it the way
they refuse a role they are not for (the 403 page, audited ``access.denied``), never a 500; the
pages that only read show it nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rewards.campaigns.declarations import occupation_declare
from rewards.core.models import AuditEvent
from rewards.organisations.models import Role, StaffUser

pytestmark = pytest.mark.django_db


DECLARATIONS = "/staff/occupations/"


def signed_in(user: StaffUser) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def without_organisation(user: StaffUser) -> Client:
    StaffUser.objects.filter(pk=user.pk).update(organisation=None)  # as an older row may be
    return signed_in(StaffUser.objects.get(pk=user.pk))


@pytest.fixture(params=[Role.GRASSROOTS_CLERK, Role.DISTRICT_REVIEWER])
def legacy(request, grassroots_clerk, xihu_reviewer) -> tuple[StaffUser, Client]:  # type: ignore[no-untyped-def]
    user = grassroots_clerk if request.param == Role.GRASSROOTS_CLERK else xihu_reviewer
    return user, without_organisation(user)


BATCH_REQUESTS = [
    ("get", "/staff/batch/", {}),
    ("post", "/staff/batch/", {"org": "杭州西湖精密机械有限公司工会"}),
    ("get", "/staff/batch/template.xlsx", {}),
    ("get", "/staff/batch/new-entry", {}),
    ("post", "/staff/batch/new-entry", {"org": "杭州西湖精密机械有限公司工会", "name": "张三"}),
]


@pytest.mark.parametrize(("method", "path", "data"), BATCH_REQUESTS)
def test_the_batch_pages_refuse_an_account_without_an_organisation(legacy, campaign, method, path, data):
    user, client = legacy
    if method == "post" and path == "/staff/batch/":
        data = {**data, "file": SimpleUploadedFile("汇总表.xlsx", b"PK\x03\x04")}
    response = getattr(client, method)(path, data)
    assert response.status_code == 403
    page = response.content.decode()
    assert "尚未设定所属组织" in page and "请联系系统管理员" in page
    denied = AuditEvent.objects.filter(action="access.denied", actor=user)
    assert [(entry.detail["reason"], entry.detail["path"]) for entry in denied] == [("organisation", path)]


@pytest.mark.parametrize(("method", "path", "data"), BATCH_REQUESTS)
@pytest.mark.parametrize("role", [Role.GRASSROOTS_CLERK, Role.DISTRICT_REVIEWER])
def test_the_same_accounts_with_their_union_get_past_the_refusal(grassroots_clerk, xihu_reviewer, campaign, role, method, path, data):
    """One step back: with their union, the same requests reach the page (a form sent with
    nothing valid in it gets its own 400, not the 403)."""
    client = signed_in(grassroots_clerk if role == Role.GRASSROOTS_CLERK else xihu_reviewer)
    if method == "post" and path == "/staff/batch/":
        data = {**data, "file": SimpleUploadedFile("汇总表.txt", b"x")}
    response = getattr(client, method)(path, data)
    assert response.status_code == (200 if method == "get" else 400)
    assert not AuditEvent.objects.filter(action="access.denied").exists()


def test_the_declarations_page_shows_a_district_account_without_its_union_nothing(xihu_reviewer, campaign, business_day):
    """No union of its own: not the page that declares (it has no places), and not even the
    declarations its union made while it had one (the city's page, empty: scope_to_subtree)."""
    business_day("2020-08-20")
    occupation_declare(user=xihu_reviewer, occupation="无人机驾驶员", reason="产业集聚。")
    assert "无人机驾驶员" in signed_in(xihu_reviewer).get(DECLARATIONS).content.decode()  # one step back

    response = without_organisation(xihu_reviewer).get(DECLARATIONS)

    assert response.status_code == 200
    page = response.content.decode()
    assert "无人机驾驶员" not in page and "产业集聚。" not in page
    assert 'action="/staff/occupations/declare"' not in page
    assert "没有符合条件的申报。" in page
