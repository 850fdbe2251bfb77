"""The cast of every test: the 2020 campaign, the union tree and named staff users
(STYLE.md 8): a grassroots clerk, reviewers of 西湖区 and 上城区, a city reviewer, two
finance officers, an economic officer, an auditor and two administrators (a role given in the
administration waits for the second one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from rewards.campaigns.services import campaign_load_notice
from rewards.organisations.models import Organisation, OrgKind, Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import organisation_ensure, staff_create

from . import factories
from .migrations import latest_migrations_after  # noqa: F401 - a fixture, for the migration tests

PASSWORD = "correct-horse-battery-2020"


@pytest.fixture(autouse=True)
def _fresh_process_caches():  # type: ignore[no-untyped-def]
    """Per-process campaign caches must not carry rows across tests (rolled back rows keep no signals)."""
    from django.core.cache import caches

    from rewards.core.memo import clear_all

    clear_all()
    caches["default"].clear()
    yield
    clear_all()


@pytest.fixture(autouse=True)
def _no_audit_anchor():  # type: ignore[no-untyped-def]
    """Each test starts without an audit anchor (an earlier test's would stand against its log)."""
    from django.conf import settings

    path = Path(settings.AUDIT_ANCHOR_FILE)
    path.unlink(missing_ok=True)
    yield
    path.unlink(missing_ok=True)


@pytest.fixture
def campaign(db):  # type: ignore[no-untyped-def]
    campaign, _ = campaign_load_notice(year=2020)
    return campaign


@pytest.fixture
def city(campaign) -> Organisation:  # type: ignore[no-untyped-def]
    org = organisation_by_name("杭州市总工会")
    assert org is not None
    return org


@pytest.fixture
def xihu(campaign) -> Organisation:  # type: ignore[no-untyped-def]
    org = organisation_by_name("西湖区总工会")
    assert org is not None
    return org


@pytest.fixture
def shangcheng(campaign) -> Organisation:  # type: ignore[no-untyped-def]
    org = organisation_by_name("上城区总工会")
    assert org is not None
    return org


@pytest.fixture
def xihu_grassroots(xihu) -> Organisation:  # type: ignore[no-untyped-def]
    org, _ = organisation_ensure(name="杭州西湖精密机械有限公司工会", kind=OrgKind.GRASSROOTS, parent=xihu)
    return org


@pytest.fixture
def shangcheng_grassroots(shangcheng) -> Organisation:  # type: ignore[no-untyped-def]
    org, _ = organisation_ensure(name="杭州河坊餐饮有限公司工会", kind=OrgKind.GRASSROOTS, parent=shangcheng)
    return org


def _staff(username: str, role: str, organisation: Organisation):  # type: ignore[no-untyped-def]
    return staff_create(username=username, role=role, organisation=organisation, password=PASSWORD)


@pytest.fixture
def grassroots_clerk(xihu_grassroots):  # type: ignore[no-untyped-def]
    return _staff("xihu.clerk", Role.GRASSROOTS_CLERK, xihu_grassroots)


@pytest.fixture
def xihu_reviewer(xihu):  # type: ignore[no-untyped-def]
    return _staff("xihu.reviewer", Role.DISTRICT_REVIEWER, xihu)


@pytest.fixture
def shangcheng_reviewer(shangcheng):  # type: ignore[no-untyped-def]
    return _staff("shangcheng.reviewer", Role.DISTRICT_REVIEWER, shangcheng)


@pytest.fixture
def city_reviewer(city):  # type: ignore[no-untyped-def]
    return _staff("city.reviewer", Role.CITY_REVIEWER, city)


@pytest.fixture
def finance_a(city):  # type: ignore[no-untyped-def]
    return _staff("finance.a", Role.FINANCE_OFFICER, city)


@pytest.fixture
def finance_b(city):  # type: ignore[no-untyped-def]
    return _staff("finance.b", Role.FINANCE_OFFICER, city)


@pytest.fixture
def economic_officer(city):  # type: ignore[no-untyped-def]
    return _staff("economic", Role.ECONOMIC_OFFICER, city)


@pytest.fixture
def auditor(city):  # type: ignore[no-untyped-def]
    return _staff("auditor", Role.AUDITOR, city)


@pytest.fixture
def administrator(city):  # type: ignore[no-untyped-def]
    return _staff("admin", Role.ADMIN, city)


@pytest.fixture
def second_administrator(city):  # type: ignore[no-untyped-def]
    return _staff("admin.b", Role.ADMIN, city)


@pytest.fixture
def member(xihu):  # type: ignore[no-untyped-def]
    """A real-name verified member of 西湖区总工会."""
    return factories.make_member(union=xihu, name="张晓明")


@pytest.fixture
def api() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def business_day(settings):  # type: ignore[no-untyped-def]
    """Sets the business date (APP_TODAY) for a test: ``business_day("2020-10-15")``."""

    def set_day(day: str) -> None:
        settings.APP_TODAY = day

    set_day("2020-10-15")
    return set_day


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """The schemathesis figure at the end of every run that ran it (docs/security.md, "Adversarial
    suite and figures"): tests record ``schemathesis_cases`` and ``schemathesis_failures`` with
    ``record_property``; pytest-xdist carries them from its workers to this process. Here, in the
    top conftest, so that the controller of a parallel run has the hook."""
    totals: dict[str, int] = {}
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call":
                continue
            for name, value in getattr(report, "user_properties", []):
                if name.startswith("schemathesis_") and isinstance(value, int):
                    totals[name] = totals.get(name, 0) + value
    if totals:
        terminalreporter.write_line(
            f"schemathesis cases={totals.get('schemathesis_cases', 0)} failures={totals.get('schemathesis_failures', 0)}"
        )
