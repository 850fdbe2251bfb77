"""Helpers for the printed annexes: applications through the API (online) or as rows (batch),
and reading the files back: ``pdftotext`` for PDFs, openpyxl for workbooks."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import subprocess

import pytest
from django.test import Client
from openpyxl import load_workbook

from rewards.applications.models import Application, ApplicationEvent
from rewards.core import clock, crypto
from rewards.core.vocab import Channel, Status
from rewards.organisations.models import Organisation, OrgKind
from rewards.organisations.services import organisation_ensure

from .. import factories
from ..api.helpers import applicant_token, bearer, decide, staff_token, submit

_numbers = itertools.count(900001)


def pdf_text(content: bytes) -> str:
    """The text of a PDF in content order (``-raw``), white space removed (table cells wrap)."""
    assert content.startswith(b"%PDF-"), content[:200]
    result = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True)
    return "".join(result.stdout.decode("utf-8").split())


def pdf_page_texts(content: bytes) -> list[str]:
    """Each page's text (as :func:`pdf_text`), pages split at ``pdftotext``'s form feeds."""
    assert content.startswith(b"%PDF-"), content[:200]
    result = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True)
    pages = result.stdout.decode("utf-8").split("\f")
    return ["".join(page.split()) for page in pages[: pdf_pages(content)]]


def pdf_pages(content: bytes) -> int:
    result = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True)
    line = next(line for line in result.stdout.decode().splitlines() if line.startswith("Pages:"))
    return int(line.split()[1])


def workbook(content: bytes):  # type: ignore[no-untyped-def]
    assert content[:2] == b"PK"
    return load_workbook(io.BytesIO(content))


def online_application(api, member, **overrides) -> Application:  # type: ignore[no-untyped-def]
    """个人网上申报 through the API, with its certificate in the HR registry (no signal)."""
    form = factories.annex3(member, **overrides)
    factories.register_certificate(member, form)
    response = submit(api, applicant_token(api, member), form)
    assert response.status_code == 201, response.content
    return Application.objects.get(application_no=response.json()["application_no"])


def batch_application(
    campaign,  # type: ignore[no-untyped-def]
    submitting_org: Organisation,
    *,
    name: str,
    status: str = Status.PENDING_DISTRICT,
    employer: str | None = None,
    submitted_at: dt.datetime | None = None,
    **fields,
) -> Application:
    """A 单位统一申报 row written with the model, as the batch importer would leave it."""
    id_number = fields.pop("id_number", None) or factories.new_id_number()
    phone = fields.pop("phone", None) or factories.new_mobile()
    card = fields.pop("bank_card_no", None) or factories.new_card()
    number = next(_numbers)
    application = Application.objects.create(
        application_no=f"{campaign.year}{number:06d}",
        campaign=campaign,
        channel=Channel.BATCH,
        status=status,
        name=name,
        id_hash=crypto.blind_index("id", id_number),
        id_number=id_number,
        gender=fields.pop("gender", "male"),
        birth_date=dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])),
        education="中专",
        occupation=fields.pop("occupation", "数控车工"),
        new_level=fields.pop("new_level", "senior_worker"),
        certificate_no=fields.pop("certificate_no", f"2020330{number:07d}"),
        certificate_issue_date=dt.date(2020, 6, 30),
        issuer="hr_hangzhou",
        phone_hash=crypto.blind_index("phone", phone),
        phone=phone,
        bank_card_hash=crypto.blind_index("card", card),
        bank_card_no=card,
        bank_branch=fields.pop("bank_branch", "中国工商银行杭州西湖支行"),
        employer=employer or submitting_org.employer or submitting_org.name.removesuffix("工会"),
        union=submitting_org.district_union,
        grassroots_union=submitting_org,
        submitting_org=submitting_org,
        amount="500.00",
        submitted_at=submitted_at or clock.now(),
        **fields,
    )
    ApplicationEvent.objects.create(application=application, at=application.submitted_at, stage="batch_entered", to_status=status)
    return application


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def get_as(api, user, url: str, **params):  # type: ignore[no-untyped-def]
    return api.get(url, params, **bearer(staff_token(api, user)))


@pytest.fixture
def xihu_grassroots_b(xihu) -> Organisation:  # type: ignore[no-untyped-def]
    org, _ = organisation_ensure(name="杭州之江电气设备有限公司工会", kind=OrgKind.GRASSROOTS, parent=xihu)
    return org


__all__ = ["batch_application", "decide", "get_as", "online_application", "pdf_pages", "pdf_text", "signed_in", "staff_token", "workbook"]
