"""Schemathesis against the API's own OpenAPI schema (issue 7, part 6; SECURITY.md 2, 12).

The schema is read from ``GET /api/v1/openapi.json`` of ``config.wsgi:application`` and every
operation is called in-process through schemathesis's WSGI transport (no server). Every case is
sent once as each identity: no credentials at all, a worker's token, a district reviewer's and a
city reviewer's staff token (each obtained through the API as ``tests/api/helpers.py`` does).
The database holds the 2020 campaign, the union tree, members, a worker's submitted application
(with its materials and signals), another application of the same union and one of another
union, an occupation declaration and a training plan. Requests are committed as a real server
commits them (after-commit tasks run).

Each operation gets four sources of cases: valid (positive) and invalid (negative) data drawn by
schemathesis from the schema, each also with its path parameters drawn from the seeded objects,
so that calls reach real records (decisions, materials, PDFs, corrections). A request identical
to one already sent to the same operation is skipped and not counted. The operations are dealt
into ``PARTS`` tests, each with its own database, so that pytest-xdist spreads them.

Checks on every answer:
- ``not_a_server_error``: no 5xx;
- ``response_schema_conformance``, ``content_type_conformance``, ``response_headers_conformance``:
  for every status the schema declares (successes and the error envelope of 400/401/403/404/
  409/422/429), the body, its media type and headers are what the schema says;
- ``no_auth_bypass`` (here): an operation that declares a token never answers 2xx to a request
  without one; with a token, ``ignored_auth`` sends every 2xx request again without it and with
  a made-up one, and both must be refused.

Budget: ``SCHEMATHESIS_EXAMPLES`` examples per operation and source (default 20 in ``make test``,
derandomized; ``make test-security-long`` sets 200 and ``SECURITY_LONG``, which explores anew).
The figures are recorded per test and the run ends with one line, ``schemathesis cases=N
failures=N`` (the hook is in tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
)

from rewards.applications.models import Application
from rewards.campaigns.declarations import occupation_declare
from rewards.identity.models import ApplicantToken, StaffToken
from rewards.identity.services import token_digest
from rewards.training.services import training_plan_create

from .. import factories
from ..api.helpers import applicant_token, staff_token, submit

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "20"))
LONG = bool(os.environ.get("SECURITY_LONG"))
SCHEMA_URL = "/api/v1/openapi.json"

pytestmark = pytest.mark.django_db(transaction=True)

#: The operations anyone may call (SECURITY.md 2). Every other one must declare a token.
PUBLIC = {
    "GET /api/v1/health",
    "GET /api/v1/campaigns/current",
    "POST /api/v1/eligibility",
    "POST /api/v1/applicant/otp",
    "POST /api/v1/applicant/session",
    "POST /api/v1/applications/query",
    "POST /api/v1/auth/token",
}
#: The schema must offer at least this many operations (a schema that lost its paths fails).
MIN_OPERATIONS = 40


def requires_auth(operation: Any) -> bool:
    """The operation declares a security requirement and no anonymous (``{}``) alternative."""
    security = operation.definition.raw.get("security", operation.schema.raw_schema.get("security"))
    return bool(security) and all(requirement for requirement in security)


@schemathesis.check
def no_auth_bypass(ctx: Any, response: Any, case: Any) -> bool | None:
    """An operation that declares a token never answers 2xx to a request that carries none."""
    if requires_auth(case.operation) and "Authorization" not in response.request.headers and 200 <= response.status_code < 300:
        raise AssertionError(f"{case.operation.label} 未带令牌却得到 {response.status_code}（越权）")
    return None


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, response_headers_conformance, no_auth_bypass]


IDENTITIES = ("anonymous", "worker", "district_reviewer", "city_reviewer")
#: The operations are dealt into this many tests (each with its own database), so that
#: pytest-xdist spreads them over its workers.
PARTS = 4


@dataclass
class Tally:
    #: Requests sent (one generated case is sent once per identity).
    cases: Counter[str] = field(default_factory=Counter)
    operations: int = 0
    failures: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)


@pytest.fixture(scope="module")
def schema(django_db_blocker):  # type: ignore[no-untyped-def]
    from config.wsgi import application

    with django_db_blocker.unblock():  # the WSGI handler looks at its connections around each request
        return schemathesis.openapi.from_wsgi(SCHEMA_URL, application)


@pytest.fixture
def world(api, business_day, settings, tmp_path, campaign, xihu, shangcheng, xihu_grassroots, member, xihu_reviewer, city_reviewer):  # type: ignore[no-untyped-def]
    """What the fuzzed requests meet: the identities' tokens, and the values that seeded path
    parameters are drawn from (the worker's own application, one of the same union that the
    worker cannot touch, and one of another union)."""
    settings.SMS_BACKEND = "file"  # committed messages are sent: the sign-in code is read from the file
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    declaration = occupation_declare(user=xihu_reviewer, occupation="无人机驾驶员", reason="西湖区产业集聚。", today=dt.date(2020, 8, 20))
    plan = training_plan_create(
        user=xihu_reviewer,
        data={"year": 2020, "occupation": "数控车工", "level": "technician", "planned_trainees": 40, "mode": "online", "budget": "120000"},
    )
    token = applicant_token(api, member)
    response = submit(api, token, factories.annex3(member))  # not in the HR registry: it carries signals
    assert response.status_code == 201, response.content
    own = Application.objects.get(application_no=response.json()["application_no"])
    neighbour = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), status="pending_district")
    other = factories.make_application(campaign=campaign, member=factories.make_member(union=shangcheng), status="pending_district")
    ids: dict[str, list[Any]] = {
        "no": [own.application_no, neighbour.application_no, other.application_no],
        "attachment_id": list(own.attachments.values_list("pk", flat=True)),
        "flag": sorted(set(own.flags.values_list("code", flat=True))) or ["certificate_not_found"],
        "declaration_id": [declaration.pk],
        "plan_id": [plan.pk],
    }
    tokens = {
        "anonymous": None,
        "worker": token,
        "district_reviewer": staff_token(api, xihu_reviewer),
        "city_reviewer": staff_token(api, city_reviewer),
    }
    return SimpleNamespace(tokens=tokens, ids=ids)


#: Seeded path parameters are drawn as positions in the world's lists (the ids themselves
#: differ from one database to the next), so that the same cases are replayed on every run.
SEEDED_POSITIONS = 3


def _sources(operation: Any, ids: dict[str, list[Any]]) -> list[tuple[str, Any]]:
    """The case strategies of one operation: valid and invalid data as schemathesis draws them
    from the schema, each also with its path parameters drawn from the seeded objects."""
    names = [parameter.name for parameter in operation.path_parameters]
    seeded = names and all(ids.get(name) for name in names)
    positions = st.fixed_dictionaries({name: st.integers(0, SEEDED_POSITIONS - 1) for name in names})

    def seed(pair: tuple[Any, dict[str, int]]) -> Any:
        case, drawn = pair
        case.path_parameters.update({name: ids[name][position % len(ids[name])] for name, position in drawn.items()})
        return case

    sources = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        drawn = operation.as_strategy(generation_mode=mode)
        sources.append((mode.value, drawn))
        if seeded:
            sources.append((f"{mode.value}+seeded", st.tuples(drawn, positions).map(seed)))
    return sources


def _request_key(case: Any) -> str:
    headers = {key: value for key, value in (case.headers or {}).items() if key.lower() != "authorization"}
    return repr((case.formatted_path, sorted((case.query or {}).items()), case.body, sorted(headers.items()), case.media_type))


#: Each call of a sign-out revokes the token it carries: it is sent a spare one of the same holder,
#: so that the identity's own token keeps working for the operations after it.
SIGN_OUT = {"DELETE /api/v1/applicant/session", "DELETE /api/v1/auth/token"}


def _spare(token: str) -> str:
    for model in (ApplicantToken, StaffToken):
        row = model.objects.filter(key_hash=token_digest(token)).first()
        if row is not None:
            spare = secrets.token_urlsafe(32)
            row.pk, row.key_hash = None, token_digest(spare)
            row.save()
            return spare
    raise AssertionError("the identity's token is not in the database")


def _send(case: Any, identity: str, token: str | None, source: str, tally: Tally) -> None:
    if token and case.operation.label in SIGN_OUT:
        token = _spare(token)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    checks = CHECKS + ([ignored_auth] if token else [])
    tally.cases[identity] += 1
    try:
        response = case.call(headers=headers)
        tally.statuses[response.status_code] += 1
        case.validate_response(response, checks=checks, headers=headers)
    except FailureGroup as group:
        tally.failures.append(f"[{identity}, {source}] {case.operation.label}: {group}")


def _explore(source: str, strategy: Any, tokens: dict[str, str | None], sent: set[str], tally: Tally) -> None:
    """``SCHEMATHESIS_EXAMPLES`` cases of one operation from one source, each sent as every identity."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not LONG, suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def call(case: Any) -> None:
        if case.headers:  # schemathesis makes up bearer tokens; each identity sends its own or none
            case.headers.pop("Authorization", None)
        key = _request_key(case)
        if key in sent:
            return
        sent.add(key)
        for identity in IDENTITIES:
            _send(case, identity, tokens[identity], source, tally)

    with contextlib.suppress(Unsatisfiable):  # an operation with nothing that can be made invalid
        call()


def _operations(schema: Any) -> list[Any]:
    return sorted((result.ok() for result in schema.get_all_operations()), key=lambda operation: operation.label)


@pytest.mark.parametrize("part", range(PARTS))
def test_every_operation_under_schemathesis(part, schema, world, record_property):  # type: ignore[no-untyped-def]
    operations = _operations(schema)
    assert len(operations) >= MIN_OPERATIONS
    tally = Tally()
    for operation in operations[part::PARTS]:
        tally.operations += 1
        sent: set[str] = set()
        started = time.perf_counter()
        for source, strategy in _sources(operation, world.ids):
            _explore(source, strategy, world.tokens, sent, tally)
        tally.seconds[operation.label] = time.perf_counter() - started

    cases = sum(tally.cases.values())
    record_property("schemathesis_cases", cases)
    record_property("schemathesis_failures", len(tally.failures))
    slowest = ", ".join(f"{label} {seconds:.1f}s" for label, seconds in sorted(tally.seconds.items(), key=lambda item: -item[1])[:3])
    print(f"schemathesis part={part} operations={tally.operations} cases={cases} failures={len(tally.failures)} {dict(tally.cases)}")
    print(f"  statuses={dict(sorted(tally.statuses.items()))} slowest: {slowest}")
    assert not tally.failures, "\n".join(tally.failures[:20])
    assert not [status for status in tally.statuses if status >= 500]


@pytest.mark.parametrize(
    ("identity", "path"),
    [
        ("worker", "/api/v1/applicant/applications"),
        ("district_reviewer", "/api/v1/review/applications"),
        ("city_reviewer", "/api/v1/stats/progress"),
    ],
)
def test_each_identity_is_taken(identity, path, world):  # type: ignore[no-untyped-def]
    """The tokens the fuzzing sends are real: each answers 200 where its holder may read (so the
    refusals met while fuzzing are not those of a broken token)."""
    from django.test import Client

    response = Client(HTTP_HOST="localhost").get(path, HTTP_AUTHORIZATION=f"Bearer {world.tokens[identity]}")
    assert response.status_code == 200, response.content
    assert Client(HTTP_HOST="localhost").get(path).status_code == 401


def test_only_the_public_operations_go_without_a_token(schema):  # type: ignore[no-untyped-def]
    """A view that lost its authentication would lose its security declaration too: the list of
    operations open to anyone is pinned here."""
    open_operations = {operation.label for operation in _operations(schema) if not requires_auth(operation)}
    assert open_operations == PUBLIC


def test_the_bypass_check_fails_on_a_success_without_credentials(schema):  # type: ignore[no-untyped-def]
    operation = schema["/api/v1/review/applications"]["GET"]
    case = SimpleNamespace(operation=operation)

    def answer(status: int, headers: dict[str, str]) -> Any:
        return SimpleNamespace(status_code=status, request=SimpleNamespace(headers=headers))

    with pytest.raises(AssertionError):
        no_auth_bypass(None, answer(200, {}), case)
    assert no_auth_bypass(None, answer(401, {}), case) is None
    assert no_auth_bypass(None, answer(200, {"Authorization": "Bearer x"}), case) is None
    public = SimpleNamespace(operation=schema["/api/v1/health"]["GET"])
    assert no_auth_bypass(None, answer(200, {}), public) is None


# What schemathesis found (each was a 500 or an answer outside the contract), pinned here -----


@pytest.mark.parametrize("body", ["null", "false", "209061", '"text"', "[[], true]"])
def test_a_json_body_that_is_not_an_object_is_a_400(api, body):  # type: ignore[no-untyped-def]
    response = api.post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"


def test_the_review_queue_refuses_a_year_that_is_not_a_year_and_answers_a_page_past_the_end(api, xihu_reviewer):  # type: ignore[no-untyped-def]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {staff_token(api, xihu_reviewer)}"}
    response = api.get("/api/v1/review/applications", {"year": "done"}, **headers)
    assert response.status_code == 400 and "year" in response.json()["error"]["fields"]
    response = api.get("/api/v1/review/applications", {"page": "4661768734075943936"}, **headers)
    assert response.status_code == 200 and response.json()["results"] == []


@pytest.mark.parametrize("path", ["/api/v1/training-plans/-1", "/api/v1/review/applications/a/b/c", "/api/v1/nothing-here"])
def test_an_unmatched_api_url_answers_the_error_envelope(api, path):  # type: ignore[no-untyped-def]
    response = api.get(path)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"
    assert "text/html" in api.get("/staff/nothing-here").headers["Content-Type"]


def test_a_nul_character_in_any_input_is_never_a_500(api, xihu_reviewer):  # type: ignore[no-untyped-def]
    """PostgreSQL text cannot hold NUL: it used to be a 500 there, on every endpoint."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {staff_token(api, xihu_reviewer)}"}
    answers = [
        api.get("/api/v1/review/applications", {"q": "a\x00"}, **headers),
        api.post("/api/v1/batch-submissions", {"org": "a\x00b"}, **headers),
        api.post("/api/v1/auth/token", {"username": "x\x00", "password": "y"}, content_type="application/json"),
    ]
    assert [answer.status_code for answer in answers if answer.status_code >= 500] == []
