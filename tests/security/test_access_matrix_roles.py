"""The role × endpoint matrix over the whole application (SECURITY.md 2).

Every URL comes from Django's resolver. Each staff page and each staff or worker API endpoint is
tried with GET and POST (and PATCH where the view has it) by an anonymous client, a worker's
applicant token, and one user of each of the seven staff roles (plus a second finance officer:
the four-eyes rule makes the builder of a batch and another officer differ). The answer must be
what :data:`EXPECTED` says: allowed (neither 401 nor 403, and no 5xx) or refused — 401 with the
contract's JSON error on the API, the staff sign-in redirect on pages, 403 for a wrong role. A
method the view does not have answers 405 (or the refusal that comes before it).

:data:`EXPECTED` and the path table live in ``_matrix.py``. A URL that the table or
:data:`PATH_PARAMS` does not know fails :func:`test_every_url_has_an_expected_row`: nobody adds an
endpoint without saying who may use it. The worker's mobile pages need a worker session. The
separation of duties is in test_separation_of_duties.py.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.urls import reverse

from ._matrix import (
    ANONYMOUS,
    APPLICANT,
    BODIES,
    CITY,
    ELSEWHERE,
    EVERYONE,
    EXPECTED,
    OPTIONAL,
    PATH_PARAMS,
    SIGN_IN,
    STAFF,
    WORKER_PAGES,
    _send_as,
    assert_signed_in,
    is_api,
    path_kwargs,
)
from .adversarial_world import Answer, anonymous, isolated, send, url_patterns, view_methods

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_pdfs")]

# --- every URL is known -----------------------------------------------------------------------


def test_every_url_has_an_expected_row():
    """A new URL fails here until :data:`EXPECTED` (or :data:`WORKER_PAGES`) says who may use it
    and :data:`PATH_PARAMS` and :func:`path_kwargs` give its path parameters."""
    routes = [route for route in url_patterns() if route.namespace != "admin"]  # the Django admin: its own test
    names = Counter(route.name for route in routes)
    problems = [f"{name}: {count} routes share this name" for name, count in names.items() if count > 1]
    for route in routes:
        known = route.name in EXPECTED or route.name in WORKER_PAGES or route.name in ELSEWHERE
        if not known:
            problems.append(f"{route.name} (/{route.route}) is not in EXPECTED: add who may use it (per method) from API.md's roles table")
        if route.params and set(route.params) != PATH_PARAMS.get(route.name, set()):
            problems.append(
                f"{route.name} (/{route.route}) has path parameters {sorted(route.params)}: "
                "add them to PATH_PARAMS and path_kwargs() (an object of 西湖区), and to object_probes() in _probes.py"
            )
    present = {route.name for route in routes}
    stale = sorted((set(EXPECTED) | set(WORKER_PAGES) | set(PATH_PARAMS) | ELSEWHERE) - present - OPTIONAL)
    problems += [f"{name} is in the tables but no longer routed: remove it" for name in stale]
    assert not problems, "URL table out of date:\n" + "\n".join(problems)


# --- the matrix -------------------------------------------------------------------------------


def _judge(route_name: str, method: str, principal: str, answer: Answer, allowed: frozenset[str] | None) -> str:
    """ "" when the answer is the expected one, else why not."""
    status = answer.status
    if status >= 500:
        return f"{status} {answer.error}".strip()
    if route_name in SIGN_IN:
        return ""  # the sign-in steps answer everyone (a form, a refusal of the credentials, the next step)
    api = is_api(route_name)
    refused_anonymously = (
        status == 401 and answer.json_code() == "not_authenticated"
        if api
        else status == 302 and answer.location.startswith(reverse("staff:login"))
    )
    if allowed is None:  # a method the view does not have
        if status == 405 or (status == 403 and principal in STAFF) or refused_anonymously:
            return ""
        return f"{status}: expected 405 for a method that is not routed"
    if principal in allowed:
        if status in (401, 403) or (not api and refused_anonymously):
            return f"{status}: {principal} should be allowed"
        return ""
    if principal in (ANONYMOUS, APPLICANT) or (api and principal in STAFF and APPLICANT in allowed):
        if refused_anonymously:
            return ""
        return f"{status}: expected {'401 not_authenticated' if api else 'the redirect to the staff sign-in'}"
    if status != 403:
        return f"{status}: expected 403 for {principal}"
    if api and answer.json_code() != "forbidden":
        return f"403 without the contract's error (code {answer.json_code()!r})"
    return ""


def test_role_endpoint_matrix(world, capsys, record_property):  # type: ignore[no-untyped-def]
    kwargs = path_kwargs(world)
    failures: list[str] = []
    tried = Counter[str]()
    for route in url_patterns():
        if route.name not in EXPECTED:
            continue  # the worker pages and the admin: their own tests below
        url = reverse(route.name, kwargs=kwargs.get(route.name, {}))
        allowed_by_method = EXPECTED[route.name]
        methods = ["GET", "POST"] + (["PATCH"] if "PATCH" in allowed_by_method or "PATCH" in view_methods(route) else [])
        principals = sorted(EVERYONE) if is_api(route.name) else sorted(EVERYONE - {APPLICANT})
        if all(roles == EVERYONE for roles in allowed_by_method.values()):
            principals = [ANONYMOUS, APPLICANT, CITY] if is_api(route.name) else [ANONYMOUS, CITY]  # public: one of each kind
        for method in methods:
            for principal in principals:
                with isolated():
                    answer = _send_as(world, principal, route.name, method, url, BODIES.get(route.name, {}))
                tried["requests"] += 1
                problem = _judge(route.name, method, principal, answer, allowed_by_method.get(method))
                if problem:
                    failures.append(f"{method} {url} ({route.name}) as {principal}: {problem}")
        tried["endpoints"] += 1
    summary = (
        f"access matrix: endpoints={tried['endpoints']} principals={len(EVERYONE)} requests={tried['requests']} failures={len(failures)}"
    )
    record_property("matrix_endpoints", tried["endpoints"])
    record_property("matrix_requests", tried["requests"])
    record_property("matrix_failures", len(failures))
    with capsys.disabled():
        print(f"\n{summary}")
    assert_signed_in(world)
    assert not failures, f"{len(failures)} answers differ from the roles table:\n" + "\n".join(failures)


def test_worker_pages_need_a_worker_session(world):  # type: ignore[no-untyped-def]
    """The mobile pages: the public ones answer anyone; the others send to the SMS sign-in, even a
    signed-in staff user (a staff session is not a worker's)."""
    kwargs = path_kwargs(world)
    failures = []
    for name, access in WORKER_PAGES.items():
        url = reverse(name, kwargs=kwargs.get(name, {}))
        for who in ("anonymous", "staff"):
            for method in ("GET", "POST"):
                # A fresh session each time: the worker's sign-out ends the session it runs in.
                client = anonymous() if who == "anonymous" else world.client_for("city.reviewer", fresh=True)
                with isolated():
                    answer = send(client, method, url)
                if answer.status >= 500:
                    failures.append(f"{method} {url} as {who}: {answer.status} {answer.error}")
                elif access == "worker" and answer.status != 405 and not answer.location.startswith(reverse("worker:signin")):
                    failures.append(f"{method} {url} as {who}: {answer.status}, expected the worker sign-in")
                elif access == "worker_json" and answer.status not in (401, 405):
                    failures.append(f"{method} {url} as {who}: {answer.status}, expected 401 (signed out) for the page's script")
    assert not failures, "\n".join(failures)
