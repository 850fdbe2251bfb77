"""撤回 a non-generic occupation declaration the economic department has not decided: only the
declaring union's reviewer, only while pending; its place is free again, the same occupation
may be declared anew before the deadline, Annex 5 leaves it out, and the withdrawal is audited."""

from __future__ import annotations

import pytest
from django.test import Client

from rewards.campaigns.models import DeclarationStatus, OccupationDeclaration
from rewards.core.models import AuditEvent

from ..api.helpers import bearer, staff_token
from .test_occupation_declarations import URL, decide, declare, error_code

pytestmark = pytest.mark.django_db


def withdraw(api, user, declaration_id: int):  # type: ignore[no-untyped-def]
    return api.post(f"{URL}/{declaration_id}/withdraw", content_type="application/json", **bearer(staff_token(api, user)))


def test_a_pending_declaration_withdrawn_frees_its_place_and_may_be_declared_again(
    api, campaign, xihu, xihu_reviewer, open_for_declarations
):
    ids = [declare(api, xihu_reviewer, name).json()["id"] for name in ("无人机驾驶员", "网络与信息安全管里员", "茶艺师")]
    assert error_code(declare(api, xihu_reviewer, "民航乘务员")) == "limit_reached"

    response = withdraw(api, xihu_reviewer, ids[1])  # a typo in the name

    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert declare(api, xihu_reviewer, "网络与信息安全管理员").status_code == 201
    assert OccupationDeclaration.objects.filter(union=xihu, status__in=["pending", "approved"]).count() == 3
    event = AuditEvent.objects.get(action="occupation.withdraw")
    assert event.object_id == str(ids[1]) and event.actor == xihu_reviewer and event.detail["to"] == "withdrawn"


def test_a_decided_declaration_cannot_be_withdrawn_nor_one_twice(api, campaign, xihu_reviewer, economic_officer, open_for_declarations):
    approved, pending = (declare(api, xihu_reviewer, name).json()["id"] for name in ("无人机驾驶员", "茶艺师"))
    decide(api, economic_officer, approved, "approve")
    refused = withdraw(api, xihu_reviewer, approved)
    assert refused.status_code == 409 and error_code(refused) == "already_decided" and "已备案同意" in refused.json()["error"]["message"]
    assert withdraw(api, xihu_reviewer, pending).status_code == 200
    again = withdraw(api, xihu_reviewer, pending)
    assert again.status_code == 409 and "已撤回" in again.json()["error"]["message"]
    assert decide(api, economic_officer, pending, "approve").status_code == 409  # nothing left to decide


def test_only_the_declaring_unions_reviewer_withdraws(
    api, campaign, xihu_reviewer, shangcheng_reviewer, economic_officer, city_reviewer, open_for_declarations
):
    declaration = declare(api, xihu_reviewer, "无人机驾驶员").json()["id"]
    assert withdraw(api, shangcheng_reviewer, declaration).status_code == 404
    assert withdraw(api, economic_officer, declaration).status_code == 403
    assert withdraw(api, city_reviewer, declaration).status_code == 403
    assert OccupationDeclaration.objects.get(pk=declaration).status == DeclarationStatus.PENDING


def test_the_union_page_offers_withdrawal_of_pending_ones_and_annex5_leaves_them_out(
    api, campaign, xihu_reviewer, economic_officer, open_for_declarations
):
    approved, pending = (declare(api, xihu_reviewer, name).json()["id"] for name in ("无人机驾驶员", "茶艺师"))
    decide(api, economic_officer, approved, "approve")
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(xihu_reviewer)
    page = staff.get("/staff/occupations/").content.decode()
    assert f'action="/staff/occupations/{pending}/withdraw"' in page and f'action="/staff/occupations/{approved}/withdraw"' not in page

    response = staff.post(f"/staff/occupations/{pending}/withdraw", follow=True)

    assert "已撤回“茶艺师”的申报，名额已空出" in response.content.decode()
    annex5 = staff.get("/staff/occupations/annex5", {"year": "2020", "format": "xlsx"})
    import io

    from openpyxl import load_workbook

    cells = [str(cell) for row in load_workbook(io.BytesIO(annex5.content)).active.iter_rows(values_only=True) for cell in row if cell]
    assert "无人机驾驶员" in cells and "茶艺师" not in cells


def test_a_declaration_of_a_year_no_longer_current_is_not_withdrawn(api, campaign, xihu_reviewer, open_for_declarations, monkeypatch):
    declaration = declare(api, xihu_reviewer, "无人机驾驶员").json()["id"]
    monkeypatch.setattr("rewards.campaigns.declarations.current_campaign", lambda: None)  # the year is over
    response = withdraw(api, xihu_reviewer, declaration)
    assert response.status_code == 409 and error_code(response) == "wrong_campaign" and "往年" in response.json()["error"]["message"]
    assert OccupationDeclaration.objects.get(pk=declaration).status == DeclarationStatus.PENDING
