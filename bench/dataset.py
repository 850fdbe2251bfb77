"""Data of the HTTP benchmarks, written straight into a workspace's database (run inside it).

``python -m bench.dataset applications OUT_DIR --count 100000 --queries 200`` writes a large
campaign: applications spread over the unions, channels and statuses of the review chain,
with their history events and some signals. Values go through the model fields' own
preparation (encrypted numbers, blind indexes, dates and JSON as Django writes them) and then
``executemany`` (:class:`FastInsert`): the API would take an hour, ``bulk_create`` a minute. The first
``--queries`` of them get known query passwords: ``OUT_DIR/queries.jsonl`` holds one
``{"id_number", "query_password"}`` body a line.

``python -m bench.dataset submitters OUT_DIR --count 4000 --first 0`` adds eligible members
who have not applied yet: a verified member of a district union under the city, a matching
certificate in the HR registry (so that a submission raises no signal), their own mobile and
bank card, and an applicant token written directly (``ApplicantToken``: the SHA-256 of the
bearer token). ``OUT_DIR/submitters-<first>.dat`` holds, for each, the token and the text
fields of the multipart body (``bench/submit.lua`` reads it).

Both print one JSON line with what they did.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import secrets
import sys
import time
from pathlib import Path
from typing import Any

#: The multipart boundary of every benchmarked submission (bench/submit.lua uses the same).
BOUNDARY = "----rewards-bench-7c1e0f"
#: The union whose district reviewer reads the queue: it gets this share of the applications.
BIG_UNION = "西湖区总工会"
BIG_SHARE = 0.30
#: Submitted between these days (the 2020 campaign opened on 26 March).
SUBMITTED_FROM = dt.datetime(2020, 3, 26, 8, 0)
SUBMITTED_TO = dt.datetime(2020, 10, 14, 18, 0)
#: (channel, final status, share): the review chain of DOMAIN.md §5 at mid-campaign.
STATUS_MIX = (
    ("online", "pending_district", 0.30),
    ("online", "pending_city", 0.15),
    ("online", "approved", 0.10),
    ("online", "paid", 0.08),
    ("online", "payment_failed", 0.01),
    ("online", "returned", 0.05),
    ("online", "rejected", 0.03),
    ("online", "withdrawn", 0.03),
    ("batch", "pending_grassroots", 0.05),
    ("batch", "pending_district", 0.08),
    ("batch", "pending_city", 0.06),
    ("batch", "approved", 0.04),
    ("batch", "returned", 0.02),
)
#: The query benchmark's applications go through each online status in turn.
ONLINE_MIX = tuple(row for row in STATUS_MIX if row[0] == "online")
LEVELS = (("senior_worker", 0.6), ("technician", 0.3), ("senior_technician", 0.1))
HR_ISSUERS = ("hr_hangzhou", "hr_zhejiang", "hr_district")
#: What the rules say about an eligible online application (stored on every row: real size).
CHECKS = [
    {"rule": "member", "passed": True, "message": "您是{union}的实名认证会员。"},
    {"rule": "promotion", "passed": True, "message": "首次取得{level}证书（未填写原有技能等级），属于晋级。"},
    {"rule": "window", "passed": True, "message": "发证时间{issued}在本年度发证时间范围（2019年12月1日至2020年11月30日）内。"},
    {"rule": "issuer", "passed": True, "message": "证书由杭州市人力资源和社会保障局核发，属于本年度奖励职业范围。"},
    {"rule": "once_per_campaign", "passed": True, "message": "您尚未获得2020年度奖励，也没有其他正在办理的申请。"},
    {"rule": "deadline", "passed": True, "message": "2020年度奖励申报截止时间为2020年12月15日（含当日），目前可以申报。"},
]
#: Rows written per ``executemany``.
BATCH = 2000


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    import django

    django.setup()


def _pick(rng: random.Random, table: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...]:
    point, total = rng.random(), 0.0
    for row in table:
        total += row[-1]
        if point < total:
            return row
    return table[-1]


class People:
    """Synthetic people nobody in the database has used: unique ID, mobile and card numbers."""

    def __init__(self, rng: random.Random) -> None:
        from rewards.applications.models import Application
        from rewards.registries.models import Member

        self.rng = rng
        self.id_hashes: set[str] = set(Member.objects.values_list("id_hash", flat=True))
        self.id_hashes |= set(Application.objects.values_list("id_hash", flat=True))
        self.phone_hashes: set[str] = set(Member.objects.exclude(phone_hash="").values_list("phone_hash", flat=True))
        self.phone_hashes |= set(Application.objects.values_list("phone_hash", flat=True))
        self.card_hashes: set[str] = set(Application.objects.values_list("bank_card_hash", flat=True))

    def person(self) -> tuple[str, str]:
        from rewards.core import crypto
        from rewards.demo import synthetic

        while True:
            number = synthetic.id_number(self.rng, born_from=1968, born_to=1998)
            id_hash = crypto.blind_index("id", number)
            if id_hash not in self.id_hashes:
                self.id_hashes.add(id_hash)
                return number, id_hash

    def phone(self) -> tuple[str, str]:
        from rewards.core import crypto
        from rewards.demo import synthetic

        while True:
            number = synthetic.mobile(self.rng)
            digest = crypto.blind_index("phone", number)
            if digest not in self.phone_hashes:
                self.phone_hashes.add(digest)
                return number, digest

    def card(self) -> tuple[str, str]:
        from stdnum import luhn

        from rewards.core import crypto
        from rewards.demo import synthetic

        while True:
            body = self.rng.choice(synthetic.CARD_BINS) + f"{self.rng.randrange(10**12):012d}"  # as synthetic.bank_card, faster
            number = body + luhn.calc_check_digit(body)
            digest = crypto.blind_index("card", number)
            if digest not in self.card_hashes:
                self.card_hashes.add(digest)
                return number, digest


def _unions() -> tuple[list[Any], dict[int, list[Any]], Any]:
    from rewards.organisations.models import Organisation, OrgKind
    from rewards.organisations.selectors import city_union

    city = city_union()
    districts = list(Organisation.objects.filter(kind=OrgKind.DISTRICT, parent=city).order_by("position", "pk"))
    grassroots: dict[int, list[Any]] = {d.pk: [] for d in districts}
    for unit in Organisation.objects.filter(kind=OrgKind.GRASSROOTS, parent__in=districts):
        grassroots[unit.parent_id].append(unit)
    return districts, grassroots, city


class FastInsert:
    """``INSERT … VALUES`` of many rows of one model with ``executemany``.

    Each value goes through what its model field does before it reaches the database (the
    encrypted fields encrypt, dates and decimals are adapted by the backend, JSON is dumped
    as the field dumps it) without building model instances: ``bulk_create`` spends most of
    its time in per-value bookkeeping, ten times the cost of the inserts at this size.
    """

    def __init__(self, model: Any) -> None:
        from django.db import connection, models

        from rewards.core.fields import EncryptedTextField

        ops = connection.ops
        self.model = model
        self.attnames: list[str] = []
        self.prepare: list[Any] = []
        #: Columns a row may leave out: nullable or defaulted ones (a field added to the model later).
        self.optional: dict[str, Any] = {}
        columns = []
        for field in model._meta.concrete_fields:
            self.attnames.append(field.attname)
            if field.has_default() or field.null:
                self.optional[field.attname] = field.get_default() if field.has_default() else None
            columns.append(connection.ops.quote_name(field.column))
            if isinstance(field, EncryptedTextField):
                self.prepare.append(field.get_prep_value)
            elif isinstance(field, models.DateTimeField):
                self.prepare.append(ops.adapt_datetimefield_value)
            elif isinstance(field, models.DateField):
                self.prepare.append(ops.adapt_datefield_value)
            elif isinstance(field, models.DecimalField):
                self.prepare.append(lambda v, f=field: ops.adapt_decimalfield_value(v, f.max_digits, f.decimal_places))
            elif isinstance(field, models.JSONField):
                self.prepare.append(lambda v, f=field: ops.adapt_json_value(v, f.encoder))
            else:
                self.prepare.append(None)
        table = connection.ops.quote_name(model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        self.rows: list[tuple[Any, ...]] = []

    def add(self, values: dict[str, Any]) -> None:
        row = []
        for name, prepare in zip(self.attnames, self.prepare, strict=True):
            value = values[name] if name in values or name not in self.optional else self.optional[name]
            row.append(prepare(value) if prepare is not None and value is not None else value)
        self.rows.append(tuple(row))

    def flush(self) -> None:
        from django.db import connection

        if self.rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.rows)
            self.rows = []


def _next_id(model: Any) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def applications(out_dir: Path, *, count: int, queries: int, seed: int) -> dict[str, Any]:
    """``count`` applications of the current campaign, the first ``queries`` with known passwords."""
    from django.db import transaction

    from rewards.applications.models import Application, ApplicationCounter, ApplicationEvent, Flag, FlagCode
    from rewards.applications.services import CROCKFORD, password_digest
    from rewards.campaigns.selectors import level_amounts, require_current_campaign
    from rewards.core.vocab import Level
    from rewards.demo import synthetic
    from rewards.organisations.models import Role, StaffUser

    started = time.perf_counter()
    rng = random.Random(seed)
    campaign = require_current_campaign()
    amounts = level_amounts(campaign)
    districts, grassroots, city = _unions()
    big = next(d for d in districts if d.name == BIG_UNION)
    others = [d for d in districts if d.pk != big.pk]
    reviewers = {user.organisation_id: user.pk for user in StaffUser.objects.filter(role__in=(Role.DISTRICT_REVIEWER, Role.CITY_REVIEWER))}
    people = People(rng)
    counter, _ = ApplicationCounter.objects.get_or_create(campaign=campaign)
    first_number = counter.last + 1
    span = int((SUBMITTED_TO - SUBMITTED_FROM).total_seconds())
    tz = dt.timezone(dt.timedelta(hours=8))
    level_labels = {level: str(Level(level).label) for level, _ in LEVELS}
    query_bodies: list[str] = []
    by_status: dict[str, int] = {}
    big_count = events_count = flags_count = 0
    apps, events, flags = FastInsert(Application), FastInsert(ApplicationEvent), FastInsert(Flag)
    app_id, event_id, flag_id = _next_id(Application), _next_id(ApplicationEvent), _next_id(Flag)

    with transaction.atomic():
        for index in range(count):
            union = big if rng.random() < BIG_SHARE else rng.choice(others)
            big_count += union.pk == big.pk
            channel, status, _ = _pick(rng, STATUS_MIX)
            if index < queries:  # every status a worker may look up, in turn
                channel, status, _ = ONLINE_MIX[index % len(ONLINE_MIX)]
            level = _pick(rng, LEVELS)[0]
            units = grassroots.get(union.pk) or []
            unit = rng.choice(units) if units else None
            if channel == "batch" and unit is None:
                channel, status = "online", "pending_district"
            id_number, id_hash = people.person()
            phone, phone_hash = people.phone()
            card, card_hash = people.card()
            issued = synthetic.day_between(rng, dt.date(2019, 12, 1), dt.date(2020, 10, 10))
            submitted = max(dt.datetime.combine(issued, dt.time(9, 0)), SUBMITTED_FROM + dt.timedelta(seconds=rng.randrange(span)))
            submitted = submitted.replace(tzinfo=tz)
            password = "".join(rng.choices(CROCKFORD, k=10))
            checks = [
                {**check, "message": check["message"].format(union=union.name, level=level_labels[level], issued=issued.isoformat())}
                for check in CHECKS
            ]
            history = _events(channel, status, submitted, union=union, unit=unit, city=city, reviewers=reviewers, rng=rng)
            returned_at = history[-1]["at"] if status == "returned" else None
            apps.add(
                {
                    "id": app_id,
                    "application_no": f"{campaign.year}{first_number + index:06d}",
                    "campaign_id": campaign.pk,
                    "channel": channel,
                    "status": status,
                    "name": synthetic.person_name(rng),
                    "id_hash": id_hash,
                    "id_number": id_number,
                    "gender": "male" if int(id_number[16]) % 2 else "female",
                    "birth_date": dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])),
                    "education": rng.choice(synthetic.EDUCATION),
                    "occupation": rng.choice(synthetic.OCCUPATIONS),
                    "previous_level": "",
                    "previous_level_date": None,
                    "new_level": level,
                    "certificate_no": f"B{issued.year}{index:09d}",
                    "certificate_issue_date": issued,
                    "issuer": rng.choice(HR_ISSUERS),
                    "phone_hash": phone_hash,
                    "phone": phone,
                    "bank_card_hash": card_hash,
                    "bank_card_no": card,
                    "bank_branch": rng.choice(synthetic.BANK_BRANCHES),
                    "employer": unit.employer if unit else f"杭州第{index % 97 + 1}制造有限公司",
                    "is_migrant": index % 5 < 2,
                    "hukou_place": "安徽省安庆市" if index % 5 < 2 else "",
                    "years_in_hangzhou": rng.randrange(1, 20) if index % 5 < 2 else None,
                    "union_id": union.pk,
                    "grassroots_union_id": unit.pk if unit else None,
                    "submitting_org_id": unit.pk if channel == "batch" and unit else None,
                    "amount": amounts.get(level),
                    "is_makeup": False,
                    "checks": checks,
                    "query_password_hash": password_digest(password) if channel == "online" else "",
                    "has_decision": any(event["decision"] for event in history),
                    "signals_at": submitted,  # worked out at submission (the flags below)
                    "returned_at": returned_at,
                    "returned_on": returned_at.date() if returned_at else None,
                    "submitted_at": submitted,
                    "updated_at": history[-1]["at"],
                }
            )
            for event in history:
                events.add({"id": event_id, "application_id": app_id, **event})
                event_id += 1
            events_count += len(history)
            if rng.random() < 0.06:
                code = rng.choice((FlagCode.NOT_IN_REGISTRY, FlagCode.REGISTRY_MISMATCH, FlagCode.PHONE_SHARED, FlagCode.UNDER_16))
                flags.add(
                    {
                        "id": flag_id,
                        "application_id": app_id,
                        "code": code,
                        "hard": code in (FlagCode.NOT_IN_REGISTRY, FlagCode.REGISTRY_MISMATCH),
                        "message": f"基准测试数据：{FlagCode(code).label}。",
                        "raised_at": submitted,
                        "resolved_at": None,
                        "resolved_by_id": None,
                        "resolution_note": "",
                    }
                )
                flag_id += 1
                flags_count += 1
            by_status[status] = by_status.get(status, 0) + 1
            if index < queries and channel == "online":
                query_bodies.append(json.dumps({"id_number": id_number, "query_password": password}))
            app_id += 1
            if len(apps.rows) >= BATCH:
                apps.flush()
                events.flush()
                flags.flush()
        apps.flush()
        events.flush()
        flags.flush()
        counter.last = first_number + count - 1
        counter.save(update_fields=["last"])
    (out_dir / "queries.jsonl").write_text("\n".join(query_bodies) + "\n", encoding="utf-8")
    # The model reads back what was written: every number decrypts to its own blind index.
    from rewards.core import crypto

    for sample in Application.objects.order_by("-pk")[:3]:
        assert crypto.blind_index("id", sample.id_number) == sample.id_hash, sample.application_no
    return {
        "applications": count,
        "events": events_count,
        "flags": flags_count,
        "big_union": BIG_UNION,
        "big_union_applications": big_count,
        "by_status": by_status,
        "query_bodies": len(query_bodies),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _events(
    channel: str, target: str, submitted: dt.datetime, *, union: Any, unit: Any, city: Any, reviewers: dict[int, int], rng: random.Random
) -> list[dict[str, Any]]:
    """The history that leads to ``target`` (the review chain of DOMAIN.md §5)."""
    steps: list[tuple[str, str, str, str, Any]] = []  # stage, decision, from, to, organisation
    if channel == "online":
        steps.append(("submitted", "", "", "pending_district", None))
        chain: tuple[str, ...] = ("pending_district", "pending_city")
    else:
        steps.append(("batch_entered", "", "", "pending_grassroots", unit))
        chain = ("pending_grassroots", "pending_district", "pending_city")
    orgs = {"pending_grassroots": unit, "pending_district": union, "pending_city": city}
    stage_names = {"pending_grassroots": "基层工会初审", "pending_district": "区县（产业）工会预审", "pending_city": "市总工会终审"}
    following = {"pending_grassroots": "pending_district", "pending_district": "pending_city", "pending_city": "approved"}
    status = steps[-1][3]
    if target == "withdrawn":
        steps.append(("withdrawn", "", status, "withdrawn", None))
    elif target != chain[0]:
        # Approvals up the chain until the target, or until the step that returned or rejected it.
        stop_at = {"returned": chain[0], "rejected": "pending_city"}.get(target)
        while status in chain and status != target:
            if stop_at == status:
                steps.append((stage_names[status], "return" if target == "returned" else "reject", status, target, orgs[status]))
                status = target
                break
            steps.append((stage_names[status], "approve", status, following[status], orgs[status]))
            status = following[status]
        if target in ("paid", "payment_failed"):
            steps.append((target, "", "approved", target, city))
    events = []
    at = submitted
    for stage, decision, from_status, to_status, organisation in steps:
        events.append(
            {
                "at": at,
                "stage": stage,
                "decision": decision,
                "opinion": "经核实，同意。" if decision == "approve" else ("请补充清晰的证书照片。" if decision else ""),
                "from_status": from_status,
                "to_status": to_status,
                "actor_id": reviewers.get(organisation.pk) if decision and organisation is not None else None,
                "organisation_id": organisation.pk if organisation is not None else None,
            }
        )
        at = at + dt.timedelta(days=rng.randrange(1, 12), minutes=rng.randrange(600))
    return events


def submitters(out_dir: Path, *, count: int, first: int, seed: int) -> dict[str, Any]:
    """``count`` eligible members who have not applied, their certificates and their tokens."""
    from django.db import transaction

    from rewards.core import clock, crypto
    from rewards.demo import synthetic
    from rewards.identity.models import ApplicantToken
    from rewards.registries.models import Certificate, Member

    started = time.perf_counter()
    rng = random.Random(seed * 1_000_003 + first)
    districts, grassroots, _ = _unions()
    people = People(rng)
    now = clock.now()
    members, certificates, tokens = [], [], []
    records: list[bytes] = []
    for index in range(first, first + count):
        union = districts[index % len(districts)]
        units = grassroots.get(union.pk) or []
        unit = units[index % len(units)] if units else None
        employer = unit.employer if unit else f"杭州第{index % 97 + 1}制造有限公司"
        id_number, id_hash = people.person()
        phone, phone_hash = people.phone()
        card, _ = people.card()
        name = synthetic.person_name(rng)
        level = _pick(rng, LEVELS)[0]
        issued = synthetic.day_between(rng, dt.date(2019, 12, 1), dt.date(2020, 10, 10))
        occupation = rng.choice(synthetic.OCCUPATIONS)
        issuer = HR_ISSUERS[index % len(HR_ISSUERS)]
        certificate_no = f"S{issued.year}{index:09d}"
        token = secrets.token_urlsafe(32)
        members.append(
            Member(
                id_hash=id_hash,
                id_number=id_number,
                name=name,
                phone=phone,
                phone_hash=phone_hash,
                union=union,
                grassroots_union=unit,
                employer=employer,
                verified=True,
                row_digest=f"bench-{index}",
            )
        )
        certificates.append(
            Certificate(
                certificate_no=certificate_no,
                id_hash=id_hash,
                id_number=id_number,
                name=name,
                occupation=occupation,
                level=level,
                issue_date=issued,
                issuer=issuer,
                row_digest=f"bench-{index}",
            )
        )
        tokens.append(
            ApplicantToken(
                key_hash=hashlib.sha256(token.encode()).hexdigest(), id_hash=id_hash, created_at=now, expires_at=now + dt.timedelta(days=1)
            )
        )
        form = {
            "name": name,
            "id_number": id_number,
            "education": rng.choice(synthetic.EDUCATION),
            "occupation": occupation,
            "new_level": level,
            "certificate_no": certificate_no,
            "certificate_issue_date": issued.isoformat(),
            "issuer": issuer,
            "phone": phone,
            "bank_card_no": card,
            "bank_branch": rng.choice(synthetic.BANK_BRANCHES),
            "employer": employer,
            "is_migrant": "true" if index % 3 == 0 else "false",
        }
        if form["is_migrant"] == "true":
            form.update(hukou_place="安徽省安庆市", years_in_hangzhou=str(rng.randrange(1, 20)))
        records.append(_record(token, form))
    assert crypto.blind_index("id", "x")
    with transaction.atomic():
        Member.objects.bulk_create(members, batch_size=1000)
        Certificate.objects.bulk_create(certificates, batch_size=1000)
        ApplicantToken.objects.bulk_create(tokens, batch_size=1000)
    path = out_dir / f"submitters-{first}.dat"
    path.write_bytes(b"".join(records))
    return {"submitters": count, "first": first, "file": str(path), "seconds": round(time.perf_counter() - started, 1)}


def text_part(form: dict[str, str]) -> bytes:
    """The text fields of a multipart/form-data body (the files follow, then the closing line)."""
    out = []
    for name, value in form.items():
        out.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    return "".join(out).encode("utf-8")


def _record(token: str, form: dict[str, str]) -> bytes:
    """``<token> <length>\\n`` and the text part: what bench/submit.lua splits the file into."""
    part = text_part(form)
    return f"{token} {len(part)}\n".encode("ascii") + part


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dataset", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    apps = sub.add_parser("applications")
    apps.add_argument("out_dir", type=Path)
    apps.add_argument("--count", type=int, default=100_000)
    apps.add_argument("--queries", type=int, default=200)
    apps.add_argument("--seed", type=int, default=2020)
    subs = sub.add_parser("submitters")
    subs.add_argument("out_dir", type=Path)
    subs.add_argument("--count", type=int, default=4000)
    subs.add_argument("--first", type=int, default=0)
    subs.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args(argv)
    _setup()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    if args.what == "applications":
        result = applications(args.out_dir, count=args.count, queries=args.queries, seed=args.seed)
    else:
        result = submitters(args.out_dir, count=args.count, first=args.first, seed=args.seed)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
