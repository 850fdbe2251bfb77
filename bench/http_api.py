"""HTTP benchmarks: ``wrk`` against the running server, each compared with the ceiling."""

from __future__ import annotations

import json
import re
from pathlib import Path

from . import wrk
from .context import Context
from .report import CEILING_NAME, Row, Target
from .workspace import PYTHON

#: The self-check must answer at least half as many requests per second as the trivial endpoint.
RATIO_TARGET = Target("≥", 0.5, on="ratio")
#: Share of the CPUs that other processes may take before a figure is marked "(busy)".
BUSY_THRESHOLD = 0.10


def load(ctx: Context, path: str, *, body_file: Path | None = None) -> wrk.WrkResult:
    """Warm-up and measured ``wrk`` run on one endpoint of the running server."""
    server = ctx.require_server()
    return wrk.measure(
        server.url(path), warmup_s=ctx.options.warmup_s, duration_s=ctx.options.duration_s, body_file=body_file, server_pid=server.pid
    )


def _invalid(result: wrk.WrkResult) -> list[str]:
    return [] if result.valid else result.problems()


def _notes(result: wrk.WrkResult) -> list[str]:
    # Socket errors alone do not invalidate a figure, but they are shown.
    notes = [] if not result.valid else result.problems()
    if result.cpu is not None:
        notes.append(result.cpu.describe() + (" — figure depressed by other load" if _busy(result) else ""))
    return notes


def _busy(*results: wrk.WrkResult | None) -> bool:
    return any(r is not None and r.cpu is not None and r.cpu.others > BUSY_THRESHOLD for r in results)


def health_ceiling(ctx: Context) -> list[Row]:
    """``GET /api/v1/health``: a JSON answer without the database, the most the stack can do."""
    result = load(ctx, "/api/v1/health")
    ctx.ceiling = result
    return [
        Row(
            CEILING_NAME,
            result.requests_per_s,
            "req/s",
            invalid=_invalid(result),
            notes=[*_notes(result), f"latency p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"],
            busy=_busy(result),
        )
    ]


# --- the eligibility self-check ---------------------------------------------------------------

_SELF_CHECK_ID = re.compile(r"^\s+\S+\s+(\d{17}[\dX])\s", re.M)


def self_check_ids(seed_output: str) -> list[str]:
    """The ID numbers of the self-check members that ``seed_demo`` printed."""
    _, _, listing = seed_output.partition("可用于资格自测的会员")
    return _SELF_CHECK_ID.findall(listing)


def eligible_body(ctx: Context) -> bytes:
    """A complete Annex 3 form of a seeded member, checked to be eligible over HTTP."""
    found = ctx.workspace.run([PYTHON, "-m", "bench.persona", *self_check_ids(ctx.seed_output)])
    body = found.stdout.strip().encode()
    answer = ctx.require_server().request("POST", "/api/v1/eligibility", body=body)
    try:
        eligible = answer.status == 200 and answer.json().get("eligible") is True
    except ValueError:
        eligible = False
    if not eligible:
        raise RuntimeError(
            f"the benchmark's self-check form is not eligible (HTTP {answer.status}); nothing measured.\n"
            f"form: {body.decode()}\nanswer: {answer.body.decode(errors='replace')[:2000]}"
        )
    return body


def eligibility(ctx: Context) -> list[Row]:
    """``POST /api/v1/eligibility`` with an eligible form: every rule and its queries run."""
    body = eligible_body(ctx)
    body_file = ctx.data_dir / "eligibility.json"
    body_file.write_bytes(body)
    persona = json.loads(body)
    result = load(ctx, "/api/v1/eligibility", body_file=body_file)
    ceiling = ctx.ceiling
    ratio = result.requests_per_s / ceiling.requests_per_s if ceiling and ceiling.requests_per_s else None
    invalid = _invalid(result)
    if ceiling is not None and not ceiling.valid:
        invalid.append("the ceiling of this run is invalid, so is the ratio")
    return [
        Row(
            "POST /api/v1/eligibility (eligible form)",
            result.requests_per_s,
            "req/s",
            ceiling=ceiling.requests_per_s if ceiling else None,
            ratio=ratio,
            target=RATIO_TARGET,
            invalid=invalid,
            busy=_busy(result, ceiling),
            notes=[
                *_notes(result),
                f"form of {persona['name']} ({persona['new_level']}, {persona['issuer']}, issued {persona['certificate_issue_date']}, "
                f"{persona['union']}), answered eligible before the load",
            ],
        ),
        Row(
            "POST /api/v1/eligibility latency p99",
            result.p99_ms,
            "ms",
            ceiling=ceiling.p99_ms if ceiling else None,
            invalid=list(invalid),
            busy=_busy(result, ceiling),
            notes=[f"p50 {result.p50_ms:.1f} ms (ceiling column: p99 of the trivial endpoint)"],
        ),
        *_cpu_rows("POST /api/v1/eligibility", result, ceiling),
    ]


def _cpu_rows(label: str, result: wrk.WrkResult, ceiling: wrk.WrkResult | None) -> list[Row]:
    """Server CPU per request, next to the ceiling's: the ratio that other load hardly moves."""
    cost = result.server_cpu_ms_per_request
    if cost is None:
        return []
    base = ceiling.server_cpu_ms_per_request if ceiling else None
    notes = ["ratio = ceiling's CPU per request / this one: the throughput ratio on a machine with nothing else running"]
    kernel = result.server_kernel_ms_per_request
    if kernel is not None:
        split = f"of which in the kernel (system calls): {kernel:.2f} ms ({kernel / cost:.0%})"
        base_kernel = ceiling.server_kernel_ms_per_request if ceiling else None
        if base and base_kernel is not None:
            split += f"; the ceiling's: {base_kernel:.2f} of {base:.2f} ms ({base_kernel / base:.0%})"
        notes.append(split)
    return [
        Row(
            f"{label} server CPU per request",
            cost,
            "ms",
            ceiling=base,
            ratio=base / cost if base else None,
            invalid=_invalid(result),
            notes=notes,
        )
    ]


# --- the status query ---------------------------------------------------------------------------

LUA_QUERY = Path(__file__).resolve().parent / "query.lua"


def status_query(ctx: Context) -> list[Row]:
    """``POST /api/v1/applications/query`` with correct ID + password pairs, in turn.

    Failures are throttled (10 per ID, 20 per client in 15 minutes), successes never: every
    pair is checked once before the load, and the run stops at the first that fails.
    """
    server = ctx.require_server()
    path = ctx.query_bodies
    if path is None:
        raise RuntimeError("bench.dataset applications did not run")
    bodies = [line for line in path.read_text(encoding="utf-8").splitlines() if line]
    statuses: dict[str, int] = {}
    for body in bodies:
        answer = server.request("POST", "/api/v1/applications/query", body=body.encode())
        if answer.status != 200:
            raise RuntimeError(f"a prepared query pair answered {answer.status}, not 200: {answer.body[:500]!r}")
        status = answer.json()["status"]
        statuses[status] = statuses.get(status, 0) + 1
    result = wrk.measure(
        server.url("/api/v1/applications/query"),
        warmup_s=ctx.options.warmup_s,
        duration_s=ctx.options.duration_s,
        lua=LUA_QUERY,
        script_env={"WRK_BODIES": str(path)},
        server_pid=server.pid,
    )
    ceiling = ctx.ceiling
    ratio = result.requests_per_s / ceiling.requests_per_s if ceiling and ceiling.requests_per_s else None
    invalid = _invalid(result)
    if ceiling is not None and not ceiling.valid:
        invalid.append("the ceiling of this run is invalid, so is the ratio")
    listing = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    return [
        Row(
            f"POST /api/v1/applications/query ({len(bodies)} correct pairs in turn)",
            result.requests_per_s,
            "req/s",
            ceiling=ceiling.requests_per_s if ceiling else None,
            ratio=ratio,
            target=RATIO_TARGET,
            invalid=invalid,
            busy=_busy(result, ceiling),
            notes=[
                *_notes(result),
                f"latency p50 {result.p50_ms:.1f} ms, p95 {result.p95_ms:.1f} ms, p99 {result.p99_ms:.1f} ms",
                f"every pair answered 200 before the load ({listing}); {ctx.dataset.get('applications', '?')} applications in the database",
            ],
        ),
        *_cpu_rows("POST /api/v1/applications/query", result, ceiling),
    ]
