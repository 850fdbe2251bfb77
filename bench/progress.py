"""The progress query (工作进度, Annex 1 with live figures) over 1 000 000 applications, on SQLite
and on PostgreSQL: ``GET /api/v1/stats/progress`` as the city sees it (every union) and as one
district union sees it (its own line), timed as the selector that the API and the dashboard call.

Each database is a workspace of its own (SQLite in a temporary DATA_DIR; PostgreSQL on a
throw-away server, bench/postgres.py): migrated, the 2020 campaign loaded, two staff users, then

``python -m bench.progress seed OUT_DIR --count 1000000`` writes the applications with one
``INSERT … SELECT`` over a generated series (SQLite: a recursive CTE; PostgreSQL:
``generate_series``): every column of the model filled, spread over the 24 Annex 1 unions by
their guidance numbers, the statuses of a campaign near its end, three levels with their
amounts, both channels, migrant workers, 15 occupations and submission times from the opening
to the business date. The personal numbers are one real ciphertext each (the progress query
reads none of them) and the blind indexes placeholders unique per row, so that a row is as wide
as a real one. PostgreSQL is then vacuumed and analysed (what autovacuum does after a bulk
load); SQLite is not analysed (no deployment runs ANALYZE).

``python -m bench.progress measure OUT_DIR --runs 15`` times ``rewards.reports.progress.progress``
for both callers (one run to warm up, then the median of ``--runs``), checks its totals against a
plain ``COUNT``, and prints the aggregate's SQL and query plan; then times the dashboard's other
reads (by level, channel, migrant workers, occupation and week) for the city, for information.

``python -m bench.progress run`` runs this benchmark alone and prints its rows (what
``make bench`` adds to its table).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any

from .context import Context, Options
from .cpu import CpuWatch
from .postgres import ThrowawayPostgres
from .report import Row, Target, text_table
from .workspace import ChildRun, Workspace

COUNT = 1_000_000
RUNS = 15
TARGETS = {"postgresql": Target("≤", 300), "sqlite": Target("≤", 1000)}
USERS = (("bench.progress.city", "city_reviewer", "杭州市总工会"), ("bench.progress.xihu", "district_reviewer", "西湖区总工会"))
#: A campaign near its end (shares of 1 000).
STATUSES = (
    ("pending_grassroots", 20),
    ("pending_district", 80),
    ("pending_city", 60),
    ("returned", 30),
    ("rejected", 40),
    ("withdrawn", 30),
    ("approved", 140),
    ("paid", 580),
    ("payment_failed", 20),
)
LEVELS = (("senior_worker", 600, "500.00"), ("technician", 300, "600.00"), ("senior_technician", 100, "800.00"))
#: Submitted from the opening (2020-03-26 08:30 Beijing time) to the bench's business date.
SUBMITTED_FROM = "2020-03-26 00:30:00"
SUBMITTED_SPAN_S = 202 * 24 * 3600
CHECKS = [
    {"rule": "member", "passed": True, "message": "您是西湖区总工会的实名认证会员。"},
    {"rule": "promotion", "passed": True, "message": "首次取得高级工证书（未填写原有技能等级），属于晋级。"},
    {"rule": "window", "passed": True, "message": "发证时间2020-06-30在本年度发证时间范围（2019年12月1日至2020年11月30日）内。"},
    {"rule": "issuer", "passed": True, "message": "证书由杭州市人力资源和社会保障局核发，属于本年度奖励职业范围。"},
    {"rule": "once_per_campaign", "passed": True, "message": "您尚未获得2020年度奖励，也没有其他正在办理的申请。"},
    {"rule": "deadline", "passed": True, "message": "2020年度奖励申报截止时间为2020年12月15日（含当日），目前可以申报。"},
]
#: Where a parameter goes in the generated SQL (every other % is an operator or a format).
PLACEHOLDER = "\x00param\x00"
NAMES = ("王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽")


def _setup() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    import django

    django.setup()


# --- seed ------------------------------------------------------------------------------------------


def _h(k: int) -> str:
    """A pseudo-random integer in [0, 2³¹ − 1) from the row number ``i`` (Lehmer generator steps)."""
    multipliers = (48271, 16807, 69621, 40692, 39373, 40014, 1103515245, 950706376, 742938285)
    return f"((i * {multipliers[k]}) % 2147483647)"


def _pick(expr: str, choices: list[tuple[str, int]]) -> str:
    """``CASE`` of weighted choices over ``expr % total`` (values are SQL literals)."""
    total = sum(weight for _, weight in choices)
    parts, upto = [], 0
    for value, weight in choices[:-1]:
        upto += weight
        parts.append(f"WHEN ({expr}) % {total} < {upto} THEN {value}")
    return f"(CASE {' '.join(parts)} ELSE {choices[-1][0]} END)"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def seed_sql(*, vendor: str, campaign_id: int, units: list[tuple[int, int]], count: int) -> tuple[str, list[Any]]:
    """``INSERT INTO applications_application (…) SELECT …`` of ``count`` generated rows."""
    from rewards.applications.models import Application
    from rewards.core.fields import EncryptedTextField
    from rewards.demo import synthetic

    pg = vendor == "postgresql"
    pad = (lambda width: f"lpad(i::text, {width}, '0')") if pg else (lambda width: f"printf('%0{width}d', i)")

    def seconds(expr: str) -> str:
        return (
            f"(TIMESTAMPTZ '{SUBMITTED_FROM}+00' + ({expr}) * INTERVAL '1 second')"
            if pg
            else f"strftime('%Y-%m-%d %H:%M:%S', '{SUBMITTED_FROM}', '+' || ({expr}) || ' seconds')"
        )

    def days(start: str, expr: str) -> str:
        return f"(DATE '{start}' + ({expr})::int)" if pg else f"date('{start}', '+' || ({expr}) || ' days')"

    def boolean(expr: str) -> str:
        return f"({expr})" if pg else f"(CASE WHEN {expr} THEN 1 ELSE 0 END)"

    level = _pick(_h(2), [(_quote(code), weight) for code, weight, _ in LEVELS])
    amount = _pick(_h(2), [(amount, weight) for _, weight, amount in LEVELS])
    status = _pick(_h(1), [(_quote(code), weight) for code, weight in STATUSES])
    # The later of two uniform draws: submissions grow towards the business date.
    later = "GREATEST" if pg else "max"
    submitted = seconds(f"{later}({_h(5)} % {SUBMITTED_SPAN_S}, {_h(6)} % {SUBMITTED_SPAN_S})")
    occupations = [(_quote(name), len(synthetic.OCCUPATIONS) + 5 - index) for index, name in enumerate(synthetic.OCCUPATIONS)]
    sample = {"id_number": "330106198503150016", "phone": "13957187919", "bank_card_no": "6222021202041234562"}
    json_checks = json.dumps(CHECKS, ensure_ascii=False)
    params: list[Any] = []

    def param(value: Any, cast: str = "") -> str:
        params.append(value)
        return PLACEHOLDER + cast

    expressions: dict[str, str] = {
        "application_no": f"'2020' || {pad(7)}",
        "campaign_id": str(campaign_id),
        "channel": _pick(_h(3), [("'online'", 65), ("'batch'", 35)]),
        "status": status,
        "name": _pick(_h(0), [(_quote(name), 1) for name in NAMES]),
        "id_hash": f"'p' || {pad(63)}",
        "gender": _pick(_h(0), [("'male'", 1), ("'female'", 1)]),
        "birth_date": days("1968-01-01", f"{_h(7)} % 10950"),
        "education": _pick(_h(7), [(_quote(name), 1) for name in synthetic.EDUCATION]),
        "occupation": _pick(_h(4), occupations),
        "previous_level": "''",
        "previous_level_date": "NULL",
        "new_level": level,
        "certificate_no": f"'BP2020' || {pad(9)}",
        "certificate_issue_date": days("2019-12-01", f"{_h(8)} % 315"),
        "issuer": _pick(_h(8), [("'hr_hangzhou'", 1), ("'hr_zhejiang'", 1), ("'hr_district'", 1)]),
        "phone_hash": f"'q' || {pad(63)}",
        "bank_card_hash": f"'r' || {pad(63)}",
        "bank_branch": _pick(_h(6), [(_quote(name), 1) for name in synthetic.BANK_BRANCHES]),
        "employer": f"'杭州第' || ({_h(4)} % 97 + 1) || '制造有限公司'",
        "is_migrant": boolean(f"{_h(3)} % 100 < 38"),
        "hukou_place": f"(CASE WHEN {_h(3)} % 100 < 38 THEN '安徽省安庆市' ELSE '' END)",
        "years_in_hangzhou": f"(CASE WHEN {_h(3)} % 100 < 38 THEN {_h(7)} % 19 + 1 ELSE NULL END)",
        "union_id": _pick(_h(0), [(str(org_id), guidance) for org_id, guidance in units]),
        "grassroots_union_id": "NULL",
        "submitting_org_id": "NULL",
        "amount": f"{amount}" if not pg else f"({amount})::numeric(10,2)",
        "is_makeup": boolean("1 = 0"),
        "query_password_hash": "''",
        "has_decision": boolean("1 = 1"),
        "signals_at": submitted,
        "returned_at": "NULL",
        "returned_on": "NULL",
        "submitted_at": submitted,
        "updated_at": submitted,
    }
    columns, values = [], []
    for field in Application._meta.concrete_fields:
        if field.primary_key:
            continue  # the database numbers the rows
        name = field.attname
        if isinstance(field, EncryptedTextField):
            expression = param(field.get_prep_value(sample.get(name, "x")))
        elif name == "checks":
            expression = param(json_checks, "::jsonb" if pg else "")
        elif name in expressions:
            expression = expressions[name]
        elif field.has_default():  # a column added since this was written
            expression = param(field.get_db_prep_save(field.get_default(), connection=_connection()))
        elif field.null:
            expression = "NULL"
        else:
            raise RuntimeError(f"no value for applications_application.{field.column}")
        columns.append(_connection().ops.quote_name(field.column))
        values.append(f"{expression} AS {_connection().ops.quote_name(field.column)}")
    table = _connection().ops.quote_name(Application._meta.db_table)
    select = ",\n  ".join(values)
    if pg:
        sql = f"INSERT INTO {table} ({', '.join(columns)})\nSELECT\n  {select}\nFROM generate_series(1, {count}) AS g(n), LATERAL (SELECT g.n::bigint AS i) AS r"
    else:
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)})\n"  # noqa: S608
            f"WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {count})\n"
            f"SELECT\n  {select}\nFROM g"
        )
    # Literal % (modulo, printf, strftime) doubled for the driver's parameter style, then the placeholders.
    return sql.replace("%", "%%").replace(PLACEHOLDER, "%s"), params


def _connection() -> Any:
    from django.db import connection

    return connection


def seed(*, count: int, password: str) -> dict[str, Any]:
    from django.db import connection, transaction

    from rewards.applications.models import Application
    from rewards.campaigns.selectors import campaign_units
    from rewards.campaigns.services import campaign_load_notice
    from rewards.organisations.models import StaffUser
    from rewards.organisations.selectors import organisation_by_name
    from rewards.organisations.services import staff_create

    started = time.perf_counter()
    campaign, _ = campaign_load_notice(year=2020)
    for username, role, org in USERS:
        if not StaffUser.objects.filter(username=username).exists():
            staff_create(username=username, role=role, organisation=organisation_by_name(org), password=password)
    units = [(unit.organisation_id, unit.guidance) for unit in campaign_units(campaign)]
    first = Application.objects.filter(campaign=campaign).count()
    sql, params = seed_sql(vendor=connection.vendor, campaign_id=campaign.pk, units=units, count=count)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size = -262144")  # this loading connection only: 256 MB of pages
        cursor.execute(sql, params)
    inserted = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE applications_application")
    return {
        "vendor": connection.vendor,
        "applications": Application.objects.filter(campaign=campaign).count() - first,
        "insert_seconds": round(inserted, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "size_mb": round(_table_size_mb(), 0),
    }


def _table_size_mb() -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_total_relation_size('applications_application')")
            return float(cursor.fetchone()[0]) / 2**20
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        return float(pages * cursor.fetchone()[0]) / 2**20


# --- measure ---------------------------------------------------------------------------------------


def _timed(call: Any, runs: int) -> tuple[float, list[float], Any]:
    """(first run, the other runs, the last result), in milliseconds."""
    times, result = [], None
    for _ in range(runs + 1):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return times[0], times[1:], result


def _plan(queryset: Any) -> list[str]:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [row[-1] for row in cursor.fetchall()]


def measure(*, runs: int) -> dict[str, Any]:
    from django.db import connection

    from rewards.applications.models import Application
    from rewards.campaigns.models import Campaign
    from rewards.organisations.models import StaffUser
    from rewards.reports.progress import dashboard, progress, progress_scope, status_totals

    campaign = Campaign.objects.get(year=2020)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    answer: dict[str, Any] = {"vendor": connection.vendor, "callers": {}}
    for username, _, org in USERS:
        user = StaffUser.objects.select_related("organisation").get(username=username)
        first, times, board = _timed(lambda user=user: progress(user, campaign), runs)
        live = Application.objects.filter(campaign=campaign).exclude(status="withdrawn")
        if org != "杭州市总工会":
            live = live.filter(union__name=org)
        scope = progress_scope(user, campaign)
        answer["callers"][org] = {
            "first_ms": round(first, 1),
            "median_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1),
            "rows": len(board.rows),
            "submitted": board.total.tally.submitted,
            "expected_submitted": live.count(),
            "paid": board.total.tally.paid,
            "amount": f"{board.total.tally.amount:.2f}",
            "sql": str(status_totals(scope.applications).query),
            "plan": _plan(status_totals(scope.applications)),
        }
    city = StaffUser.objects.select_related("organisation").get(username=USERS[0][0])
    first, times, _ = _timed(lambda: dashboard(city, campaign), 2)
    answer["dashboard"] = {"first_ms": round(first, 1), "median_ms": round(statistics.median(times), 1)}
    return answer


# --- the benchmark -----------------------------------------------------------------------------


def _json(run: ChildRun) -> dict[str, Any]:
    return json.loads(run.stdout.strip().splitlines()[-1])


def _say(message: str) -> None:
    print(f"[bench progress] {message}", file=sys.stderr, flush=True)


#: Other processes may take this share of the CPUs while a figure is measured; above it, "(busy)".
QUIET = 0.10


def _one(workspace: Workspace, label: str, *, count: int, runs: int, server_pid: int | None = None) -> list[Row]:
    _say(f"{label}: migrate")
    workspace.manage("migrate", "--noinput", "-v0")
    _say(f"{label}: seeding {count:,} applications")
    seeded = _json(workspace.python_module("bench.progress", "seed", "--count", str(count)))
    _say(f"{label}: {seeded['applications']:,} rows in {seeded['seconds']} s ({seeded['size_mb']:.0f} MB); measuring")
    watch = CpuWatch(*([server_pid] if server_pid else []))
    run = workspace.python_module("bench.progress", "measure", "--runs", str(runs))
    share = watch.stop(load_cpu_s=run.cpu_seconds)
    measured = _json(run)
    vendor = measured["vendor"]
    busy = bool(share and share.others > QUIET)
    cpu_note = (
        f"while measuring, CPUs {share.total:.0%} busy: the measuring process {run.cpu_seconds / share.capacity_s:.0%}, "
        f"the database server {share.server_s / share.capacity_s:.0%}, other processes {share.others:.0%}"
        if share
        else ""
    )
    rows: list[Row] = []
    for org, figures in measured["callers"].items():
        invalid = []
        if figures["submitted"] != figures["expected_submitted"]:
            invalid.append(f"submitted {figures['submitted']} where COUNT says {figures['expected_submitted']}")
        if seeded["applications"] != count:
            invalid.append(f"{seeded['applications']} applications written, {count} wanted")
        who = "city (24 unions)" if org == "杭州市总工会" else f"district reviewer, {org} (its line)"
        notes = [
            f"median of {runs} runs after one (first run {figures['first_ms']:.0f} ms, slowest {figures['max_ms']:.0f} ms); "
            f"{figures['rows']} line(s), {figures['submitted']:,} submitted, {figures['paid']:,} paid, {figures['amount']} yuan",
            "SQL: " + figures["sql"],
            "plan: " + " · ".join(line.strip() for line in figures["plan"]),
        ]
        if org == "杭州市总工会":
            notes.insert(
                0,
                f"{label}: {seeded['applications']:,} applications written in {seeded['seconds']} s "
                f"(INSERT … SELECT {seeded['insert_seconds']} s), table and indexes {seeded['size_mb']:.0f} MB",
            )
            if cpu_note:
                notes.append(cpu_note)
        rows.append(
            Row(
                f"progress query {count:,} applications, {label}, {who}",
                figures["median_ms"],
                "ms",
                target=TARGETS[vendor],
                invalid=invalid,
                notes=notes,
                busy=busy,
            )
        )
    rows.append(
        Row(
            f"progress dashboard reads (Annex 1 + level, channel, migrant, occupation, week), {label}, city",
            measured["dashboard"]["median_ms"],
            "ms",
            notes=[f"median of 2 runs after one (first {measured['dashboard']['first_ms']:.0f} ms); for information, no target"],
            busy=busy,
        )
    )
    return rows


def progress_query(ctx: Context, *, count: int = COUNT, vendors: tuple[str, ...] = ("sqlite", "postgresql")) -> list[Row]:
    """The progress query with 1 000 000 applications, on SQLite and on PostgreSQL, each in a
    workspace of its own (``ctx``'s database, with the other benchmarks' data, is not used)."""
    rows: list[Row] = []
    if "sqlite" in vendors:
        with Workspace.create() as sqlite_workspace:
            rows += _one(sqlite_workspace, "SQLite", count=count, runs=RUNS)
    if "postgresql" in vendors:
        with ThrowawayPostgres() as server, Workspace.create(database_url=server.url) as pg_workspace:
            rows += _one(pg_workspace, f"PostgreSQL {server.version}", count=count, runs=RUNS, server_pid=server.pid())
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.progress", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("seed")
    one.add_argument("--count", type=int, default=COUNT)
    two = sub.add_parser("measure")
    two.add_argument("--runs", type=int, default=RUNS)
    alone = sub.add_parser("run", help="this benchmark alone: its rows, not written to docs/performance.md")
    alone.add_argument("--count", type=int, default=COUNT)
    alone.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args(argv)
    if args.what == "run":
        with Workspace.create() as workspace:
            vendors = (args.only,) if args.only else ("sqlite", "postgresql")
            rows = progress_query(Context(workspace=workspace, options=Options()), count=args.count, vendors=vendors)
        print(text_table(rows))
        for row in rows:
            for note in row.notes:
                print(f"- {row.benchmark}: {note}")
        return 0
    _setup()
    if args.what == "seed":
        import secrets

        result = seed(count=args.count, password="Bench-" + secrets.token_urlsafe(12))
    else:
        result = measure(runs=args.runs)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
