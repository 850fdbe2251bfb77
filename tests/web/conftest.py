"""Fixtures of the worker pages' tests (test_worker_*.py), and of the batch pages' (``workers``,
``clerk``: test_batch_*.py).

``client`` is a Django test client on the host the worker's site is served from (127.0.0.1);
``today`` sets the business day inside the 2020 campaign. ``private_storage`` is not autouse: the
worker modules name it in their ``pytestmark``."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories

from ._worker import HOST

#: The employer of the 西湖精密机械 grassroots union (the batch pages' tests).
EMPLOYER = "杭州西湖精密机械有限公司"


@pytest.fixture
def private_storage(settings, tmp_path):  # type: ignore[no-untyped-def]
    """The materials of these tests go to their own folder, not the shared test storage."""
    location = {"location": str(tmp_path / "private"), "base_url": None}
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": location}}


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST=HOST)


@pytest.fixture
def today(business_day, campaign):  # type: ignore[no-untyped-def]
    """Inside the 2020 campaign (2020-10-15, 61 days before the deadline)."""
    return campaign


@pytest.fixture
def workers(xihu, xihu_grassroots, business_day):  # type: ignore[no-untyped-def]
    """Six verified members employed by the 西湖精密机械 grassroots union's employer."""
    return [factories.make_member(union=xihu, grassroots=xihu_grassroots, employer=EMPLOYER) for _ in range(6)]


@pytest.fixture
def clerk(grassroots_clerk) -> Client:  # type: ignore[no-untyped-def]
    """That union's clerk, signed in to the staff pages."""
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(grassroots_clerk)
    return staff
