"""The review queue with 100 000 applications in the database: latency at low concurrency.

``GET /staff/`` (the page, signed in on a session through ``/staff/login``) and
``GET /api/v1/review/applications`` (a staff bearer token from ``POST /api/v1/auth/token``),
each as the district reviewer of the biggest union and as the city reviewer. ``wrk -t2 -c4
--latency``; the p95 comes from wrk's own histogram (bench/hooks.lua). The ceiling is
``GET /api/v1/health`` loaded the same way in the same run.
"""

from __future__ import annotations

import json
import re
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from . import wrk
from .context import Context
from .http_api import _busy, _invalid, _notes
from .report import Row, Target
from .server import Server

LUA_GET = Path(__file__).resolve().parent / "get_with_headers.lua"
#: The issue's target: the queue's p95 at low concurrency.
P95_TARGET = Target("≤", 100)
THREADS = 2
CONNECTIONS = 4
#: Demo accounts (rewards/demo/seed.py STAFF): the district reviewer of the union that
#: bench.dataset makes biggest, and the city reviewer, who sees every application.
READERS = (("xihu.reviewer", "district reviewer, 西湖区总工会"), ("city.reviewer", "city reviewer"))


def _cookies(headers: list[str]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in headers:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def staff_session(server: Server, username: str, password: str) -> str:
    """Signs in through the sign-in page (CSRF cookie and token) and returns the Cookie header."""
    page = server.request("GET", "/staff/login")
    cookies = _cookies(page.cookies)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    if page.status != 200 or token is None or "csrftoken" not in cookies:
        raise RuntimeError(f"/staff/login gave no CSRF token (HTTP {page.status})")
    form = urlencode({"csrfmiddlewaretoken": token[1].decode(), "username": username, "password": password, "next": ""})
    answer = server.request(
        "POST",
        "/staff/login",
        body=form.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookies['csrftoken']}", "Accept": "text/html"},
    )
    cookies.update(_cookies(answer.cookies))
    if answer.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"signing in {username} at /staff/login failed (HTTP {answer.status})")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def staff_token(server: Server, username: str, password: str) -> str:
    answer = server.request("POST", "/api/v1/auth/token", body=json.dumps({"username": username, "password": password}).encode())
    if answer.status != 200:
        raise RuntimeError(f"POST /api/v1/auth/token for {username} answered {answer.status}: {answer.body[:500]!r}")
    return str(answer.json()["token"])


def _load(ctx: Context, path: str, headers: dict[str, str] | None = None) -> wrk.WrkResult:
    server = ctx.require_server()
    env = {"WRK_HEADERS": "\n".join(f"{name}: {value}" for name, value in (headers or {}).items())}
    return wrk.measure(
        server.url(path),
        warmup_s=ctx.options.warmup_s,
        duration_s=ctx.options.duration_s,
        threads=THREADS,
        connections=CONNECTIONS,
        lua=LUA_GET,
        script_env=env,
        server_pid=server.pid,
    )


def _latency_note(result: wrk.WrkResult) -> str:
    return (
        f"-t{THREADS} -c{CONNECTIONS}: {result.requests_per_s:.0f} req/s; latency p50 {result.p50_ms:.1f} ms, "
        f"p90 {result.latency_ms.get(90, float('nan')):.1f} ms, p95 {result.p95_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
    )


def queue_latency(ctx: Context) -> list[Row]:
    server = ctx.require_server()
    password = (ctx.data_dir / "demo-password").read_text().strip()
    ceiling = _load(ctx, "/api/v1/health")
    rows = [
        Row(
            f"trivial endpoint GET /api/v1/health p95 at -c{CONNECTIONS} (latency ceiling)",
            ceiling.p95_ms,
            "ms",
            invalid=_invalid(ceiling),
            busy=_busy(ceiling),
            notes=[*_notes(ceiling), _latency_note(ceiling)],
        )
    ]
    in_db = ctx.dataset.get("applications")
    for username, label in READERS:
        cookie = staff_session(server, username, password)
        page = server.request("GET", "/staff/", headers={"Cookie": cookie, "Accept": "text/html"})
        shown = re.search(r"共 <strong>([\d,]+)</strong> 份", page.body.decode(errors="replace"))
        if page.status != 200 or shown is None:
            raise RuntimeError(f"GET /staff/ as {username} answered {page.status} without the queue")
        token = staff_token(server, username, password)
        api = server.request("GET", "/api/v1/review/applications", headers={"Authorization": f"Bearer {token}"})
        if api.status != 200:
            raise RuntimeError(f"GET /api/v1/review/applications as {username} answered {api.status}: {api.body[:500]!r}")
        in_scope = api.json()["count"]
        for name, path, headers, what in (
            ("GET /staff/ review queue page", "/staff/", {"Cookie": cookie, "Accept": "text/html"}, f"{shown[1]} rows in its default tab"),
            (
                "GET /api/v1/review/applications",
                "/api/v1/review/applications",
                {"Authorization": f"Bearer {token}", "Accept": "application/json"},
                "all statuses, page 1 of 50",
            ),
        ):
            result = _load(ctx, path, headers)
            invalid = _invalid(result)
            if not ceiling.valid:
                invalid.append("the latency ceiling of this run is invalid, so is the ratio")
            rows.append(
                Row(
                    f"{name} p95 ({label})",
                    result.p95_ms,
                    "ms",
                    ceiling=ceiling.p95_ms,
                    ratio=ceiling.p95_ms / result.p95_ms if result.p95_ms else None,
                    target=P95_TARGET,
                    invalid=invalid,
                    busy=_busy(result, ceiling),
                    notes=[
                        *_notes(result),
                        _latency_note(result),
                        f"{in_scope} applications in the reviewer's scope ({in_db} written by bench.dataset, the rest by "
                        f"seed_demo); {what}",
                        "ratio = ceiling's p95 / this p95 (1 would be as fast as the trivial endpoint)",
                    ],
                )
            )
    return rows
