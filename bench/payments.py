"""Payment benchmarks (核发): a 100 000-line batch built, approved, its bank file written, and the
bank's 100 000-row return file imported, each step a service call timed in its own process.

The harness runs this module's commands as children of the workspace:

``python -m bench.payments prepare OUT_DIR --count 100000`` adds two finance officers and tops
the campaign up to ``count`` payable applications (approved, no payment line), written with
:class:`bench.dataset.FastInsert`: encrypted numbers, blind indexes and the amount of their level,
as the city review leaves them (their history events are left out: no payment step reads them).
The people are a function of their index: ID numbers of area 330112, mobiles 167xxxxxxxx,
cards of BIN 621227, which no other generator uses.

``python -m bench.payments step build|approve|file|results OUT_DIR [--batch NO] [--profile]``
runs one step as the finance officer who may (``build`` and ``file`` by the first officer,
``approve`` by the second, ``results`` by the first reading ``OUT_DIR/results.csv``), timing the
service call alone with ``time.perf_counter``; ``file`` writes ``OUT_DIR/bank-file.csv``.
``--profile`` runs the call under cProfile and adds the top cumulative costs to the answer.

Each command prints one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

from .batch_import import say
from .context import Context
from .report import Row, Target
from .workspace import ChildRun

APPLICATIONS = 100_000
#: One in this many lines of the return file is a failure (1 000 of 100 000).
FAILURE_EVERY = 100
FAILURE_REASON = "户名与账号不符"
OFFICERS = ("bench.finance.a", "bench.finance.b")
AREA = "330112"
SEED = 20_201_016
SECONDS_TARGET = Target("≤", 15)
CPU_SHARE_EXPECTED = 0.85
STEPS = ("build", "approve", "file", "results")


def _setup() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    import django

    django.setup()


# --- prepare ------------------------------------------------------------------------------------


def prepare(out_dir: Path, *, count: int, password: str) -> dict[str, Any]:
    from django.db import transaction
    from stdnum import luhn
    from stdnum.cn import ric

    from rewards.applications.models import Application, ApplicationCounter
    from rewards.campaigns.selectors import level_amounts, require_current_campaign
    from rewards.core import crypto, validators
    from rewards.core.vocab import Level
    from rewards.demo import synthetic
    from rewards.organisations.models import Role, StaffUser
    from rewards.organisations.selectors import city_union
    from rewards.organisations.services import staff_create
    from rewards.payments.services import payable

    from .batch_import import complete
    from .dataset import FastInsert, _next_id, _unions

    started = time.perf_counter()
    city = city_union()
    for number, username in enumerate(OFFICERS, start=1):
        if not StaffUser.objects.filter(username=username).exists():
            staff_create(
                username=username, role=Role.FINANCE_OFFICER, organisation=city, password=password, full_name=f"基准测试 财务{number}"
            )
    campaign = require_current_campaign()
    before = payable(campaign).count()
    wanted = max(0, count - before)
    amounts = level_amounts(campaign)
    districts, _, _ = _unions()
    rng = random.Random(SEED)
    levels = (("senior_worker", 0.6), ("technician", 0.3), ("senior_technician", 0.1))
    level_labels = {level: str(Level(level).label) for level, _ in levels}
    tz = dt.timezone(dt.timedelta(hours=8))
    for block in range(wanted // 10**6 + 1):  # mobile 167 + the index: valid by its first five digits
        assert validators.check_mobile(f"167{block:02d}000000")[1] is None, block
    apps = FastInsert(Application)
    app_id = _next_id(Application)
    counter, _ = ApplicationCounter.objects.get_or_create(campaign=campaign)
    first_number = counter.last + 1
    with transaction.atomic():
        for index in range(wanted):
            block, day = divmod(index, 10_950)
            birth = dt.date(1968, 1, 1) + dt.timedelta(days=day)
            body = f"{AREA}{birth:%Y%m%d}{2 * block + rng.randrange(2):03d}"
            id_number = body + ric.calc_check_digit(body + "0")
            card = f"621227{index:012d}"
            card += luhn.calc_check_digit(card)
            phone = f"167{index:08d}"
            point, level = rng.random(), "senior_worker"
            total = 0.0
            for code, share in levels:
                total += share
                level = code
                if point < total:
                    break
            union = districts[index % len(districts)]
            issued = synthetic.day_between(rng, dt.date(2019, 12, 1), dt.date(2020, 10, 10))
            submitted = dt.datetime.combine(issued, dt.time(9, 0), tzinfo=tz) + dt.timedelta(days=3)
            decided = submitted + dt.timedelta(days=20)
            apps.add(
                complete(
                    Application,
                    {
                        "id": app_id + index,
                        "application_no": f"{campaign.year}{first_number + index:06d}",
                        "campaign_id": campaign.pk,
                        "channel": "online",
                        "status": "approved",
                        "name": synthetic.person_name(rng),
                        "id_hash": crypto.blind_index("id", id_number),
                        "id_number": id_number,
                        "gender": "male" if int(id_number[16]) % 2 else "female",
                        "birth_date": birth,
                        "education": rng.choice(synthetic.EDUCATION),
                        "occupation": rng.choice(synthetic.OCCUPATIONS),
                        "previous_level": "",
                        "previous_level_date": None,
                        "new_level": level,
                        "certificate_no": f"PP{campaign.year}{index:08d}",
                        "certificate_issue_date": issued,
                        "issuer": "hr_hangzhou",
                        "phone_hash": crypto.blind_index("phone", phone),
                        "phone": phone,
                        "bank_card_hash": crypto.blind_index("card", card),
                        "bank_card_no": card,
                        "bank_branch": rng.choice(synthetic.BANK_BRANCHES),
                        "employer": f"杭州第{index % 97 + 1}制造有限公司",
                        "is_migrant": False,
                        "hukou_place": "",
                        "years_in_hangzhou": None,
                        "union_id": union.pk,
                        "grassroots_union_id": None,
                        "submitting_org_id": None,
                        "amount": amounts[level],
                        "is_makeup": False,
                        "checks": [{"rule": "promotion", "passed": True, "message": f"首次取得{level_labels[level]}证书，属于晋级。"}],
                        "query_password_hash": "",
                        "has_decision": True,
                        "returned_at": None,
                        "returned_on": None,
                        "submitted_at": submitted,
                        "updated_at": decided,
                        "signals_at": submitted,
                    },
                )
            )
            if len(apps.rows) >= 2000:
                apps.flush()
        apps.flush()
        counter.last = first_number + wanted - 1
        counter.save(update_fields=["last"])
    return {
        "payable_before": before,
        "inserted": wanted,
        "payable": payable(campaign).count(),
        "seconds": round(time.perf_counter() - started, 1),
    }


# --- one step -----------------------------------------------------------------------------------


def _profiled(call: Any, out: Path) -> tuple[Any, list[str]]:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    result = profiler.runcall(call)
    profiler.dump_stats(str(out))
    text = io.StringIO()
    pstats.Stats(str(out), stream=text).sort_stats("cumulative").print_stats(25)
    return result, text.getvalue().splitlines()


def step(name: str, out_dir: Path, *, batch_no: str, profile: bool) -> dict[str, Any]:
    from django.db.models import Count

    from rewards.applications.models import Application
    from rewards.campaigns.selectors import require_current_campaign
    from rewards.organisations.models import StaffUser
    from rewards.payments import services
    from rewards.payments.models import PaymentBatch

    first, second = (StaffUser.objects.select_related("organisation").get(username=username) for username in OFFICERS)
    campaign = require_current_campaign()
    answer: dict[str, Any] = {"step": name}
    if name == "build":

        def call() -> Any:
            return services.payment_batch_build(user=first, campaign=campaign)

    elif name == "approve":

        def call() -> Any:
            return services.payment_batch_approve(user=second, batch_no=batch_no)

    elif name == "file":

        def call() -> Any:
            return services.payment_batch_file(user=first, batch_no=batch_no, fmt="csv")

    else:
        content = (out_dir / "results.csv").read_bytes()

        def call() -> Any:
            return services.payment_results_import(user=first, batch_no=batch_no, content=content)

    started = time.perf_counter()
    if profile:
        result, answer["profile"] = _profiled(call, out_dir / f"{name}.prof")
    else:
        result = call()
    answer["seconds"] = round(time.perf_counter() - started, 3)

    if name == "build":
        batch, _ = result
        answer.update(batch_no=batch.batch_no, count=batch.count, total=f"{batch.total_amount:.2f}")
    elif name == "approve":
        answer.update(batch_no=result.batch_no, status=result.status)
    elif name == "file":
        content, batch = result
        (out_dir / "bank-file.csv").write_bytes(content)
        answer.update(batch_no=batch.batch_no, status=batch.status, bytes=len(content))
    else:
        answer.update(result)
        # The SMS of the file are queued after the commit by a background task (decision 262):
        # timed here as that task runs them, after the import.
        from rewards.notifications.models import SmsMessage
        from rewards.payments.results import queue_pending_result_sms

        started = time.perf_counter()
        answer["sms_written"] = queue_pending_result_sms()
        answer["sms_seconds"] = round(time.perf_counter() - started, 3)
        answer["sms_outbox"] = SmsMessage.objects.filter(template__in=("paid", "payment_failed")).count()
    batch = PaymentBatch.objects.get(batch_no=answer.get("batch_no") or batch_no)
    answer["lines"] = dict(batch.lines.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    if name == "results":
        ids = batch.lines.values("application_id")
        answer["applications"] = dict(
            Application.objects.filter(campaign=campaign, pk__in=ids)
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
    return answer


# --- the return file ----------------------------------------------------------------------------


def results_file(bank_file: Path, out: Path) -> tuple[int, int]:
    """The bank's answer to ``bank_file``: every line paid but one in FAILURE_EVERY, which failed."""
    rows = list(csv.reader(io.StringIO(bank_file.read_bytes().decode("utf-8-sig"))))
    header, lines = rows[0], rows[1:]
    reference, amount = header.index("reference"), header.index("amount")
    paid = failed = 0
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["reference", "amount", "result", "reason"])
        for number, line in enumerate(lines, start=1):
            if number % FAILURE_EVERY == 0:
                writer.writerow([line[reference], line[amount], "failure", FAILURE_REASON])
                failed += 1
            else:
                writer.writerow([line[reference], line[amount], "success", ""])
                paid += 1
    return paid, failed


# --- the benchmark ------------------------------------------------------------------------------


def _waited(run: ChildRun) -> bool:
    return run.cpu_seconds < CPU_SHARE_EXPECTED * run.seconds


def _json(run: ChildRun) -> dict[str, Any]:
    return json.loads(run.stdout.strip().splitlines()[-1])


LABELS = {
    "build": "payment_batch_build {count:,} lines",
    "approve": "payment_batch_approve {count:,} lines",
    "file": "payment_batch_file {count:,} lines (CSV)",
    "results": "payment_results_import {count:,} rows ({paid:,} paid, {failed:,} failed)",
}


def payments(ctx: Context) -> list[Row]:
    """The four steps of a batch of every payable application (topped up to 100 000)."""
    folder = ctx.data_dir / "bench-payments"
    folder.mkdir(exist_ok=True)
    ready = _json(ctx.workspace.python_module("bench.payments", "prepare", str(folder), "--count", str(APPLICATIONS)))
    say(
        f"  {ready['inserted']} approved applications added to {ready['payable_before']} in {ready['seconds']} s: {ready['payable']} payable"
    )
    count = ready["payable"]
    rows: list[Row] = []
    batch_no = ""
    paid = failed = 0
    broken = False
    for name in STEPS:
        say(f"  {name}")
        if name == "results":
            paid, failed = results_file(folder / "bank-file.csv", folder / "results.csv")
        args = ["step", name, str(folder)] + (["--batch", batch_no] if batch_no else [])
        run = ctx.workspace.python_module("bench.payments", *args, check=False)
        invalid: list[str] = []
        answer: dict[str, Any] = {}
        if broken:
            invalid.append("an earlier step failed")
        if run.returncode != 0:
            invalid.append(f"exited with {run.returncode}: {(run.stderr or run.stdout)[-600:]}")
        else:
            answer = _json(run)
            lines = answer["lines"]
            if name == "build":
                batch_no = answer["batch_no"]
                if answer["count"] != count:
                    invalid.append(f"{answer['count']} lines built, expected {count}")
            elif name == "approve" and lines != {"approved": count}:
                invalid.append(f"lines after approval: {lines}")
            elif name == "file":
                written = len((folder / "bank-file.csv").read_bytes().decode("utf-8-sig").splitlines()) - 1
                if written != count or lines != {"sent": count}:
                    invalid.append(f"{written} lines in the file, lines {lines}, expected {count} sent")
            elif name == "results":
                expected = {"paid": paid, "failed": failed}
                if {"paid": answer["paid"], "failed": answer["failed"]} != expected or lines != expected:
                    invalid.append(f"answer {answer['paid']} paid, {answer['failed']} failed, lines {lines}, expected {expected}")
                if answer["applications"] != {"paid": paid, "payment_failed": failed}:
                    invalid.append(f"applications of the batch: {answer['applications']}")
        for reason in invalid:
            say(f"  INVALID: {reason}")
        broken = broken or bool(invalid)
        notes = [
            f"the service call alone, timed inside the child; the child: wall {run.seconds:.1f} s, "
            f"CPU {run.cpu_seconds:.1f} s, peak memory {run.max_rss_mib:.0f} MB"
            + (" — it waited, for CPUs that other processes held or for the disk" if _waited(run) else "")
        ]
        if name == "build" and answer:
            notes.append(f"batch {answer['batch_no']}: {answer['count']} lines, {answer['total']} yuan")
        figure = answer.get("seconds")
        label = LABELS[name].format(count=count, paid=paid, failed=failed)
        rows.append(Row(label, figure, "s", target=SECONDS_TARGET, invalid=invalid, notes=notes, busy=_waited(run)))
        if name == "results":
            queued = (
                []
                if not answer or answer["sms_written"] == paid + failed == answer["sms_outbox"]
                else [f"{answer.get('sms_written')} SMS written, {answer.get('sms_outbox')} in the outbox, expected {paid + failed}"]
            )
            rows.append(
                Row(
                    f"SMS of that return file queued by its background task ({paid + failed:,} messages)",
                    answer.get("sms_seconds"),
                    "s",
                    invalid=queued or invalid,
                    notes=["after the import committed, in transactions of 5,000 lines (decision 262); no target of its own"],
                )
            )
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.payments", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    prep = sub.add_parser("prepare")
    prep.add_argument("out_dir", type=Path)
    prep.add_argument("--count", type=int, default=APPLICATIONS)
    one = sub.add_parser("step")
    one.add_argument("name", choices=STEPS)
    one.add_argument("out_dir", type=Path)
    one.add_argument("--batch", default="")
    one.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    _setup()
    if args.what == "prepare":
        import secrets

        result = prepare(args.out_dir, count=args.count, password="Bench-" + secrets.token_urlsafe(12))
    else:
        result = step(args.name, args.out_dir, batch_no=args.batch, profile=args.profile)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
