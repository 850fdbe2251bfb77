"""The seeded world of the adversarial access and privacy tests (SECURITY.md 1, 2, 4, 5, 15).

One world per test module: the 2020 campaign, 西湖区 and 上城区 with a grassroots union each, one
staff user per role (and a second district reviewer and clerk in 上城区), applications of both
unions in the online and batch channels and in every interesting status (paid and
payment_failed through a real payment batch and bank return file), a second payment batch
waiting for its approval, batch imports, occupation declarations, training plans, the SMS
outbox rows and audit entries all that writes. Every ID, bank card and mobile number of the
world is a *canary*: the crawl looks for them in every answer.

Everything is written through the services, inside one transaction that the module's fixture
rolls back at its end; each probe runs in a savepoint of its own (:func:`isolated`), so that
whatever it changes is undone before the next one.

The URL list comes from Django's resolver (:func:`url_patterns`): a new endpoint is seen by
every test built on it.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import Workbook
from PIL import Image

from rewards.applications import materials as application_materials
from rewards.applications.models import Application
from rewards.applications.services import application_submit
from rewards.batches.imports import import_start
from rewards.batches.services import check_and_save
from rewards.batches.sheet import COLUMNS
from rewards.campaigns.declarations import occupation_declare
from rewards.campaigns.services import campaign_load_notice
from rewards.core.memo import clear_all
from rewards.identity.services import otp_request, otp_verify, staff_token_issue
from rewards.notifications.models import SmsMessage
from rewards.organisations.models import Organisation, OrgKind, Role, StaffUser
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import organisation_ensure, staff_create
from rewards.payments.models import PaymentBatch, PaymentLine
from rewards.payments.services import (
    payment_batch_approve,
    payment_batch_build,
    payment_batch_file,
    payment_line_reversal,
    payment_results_import,
)
from rewards.registries.models import Member
from rewards.review.flags import ensure_signals
from rewards.review.services import review_decide
from rewards.training.services import training_plan_create
from tests import factories
from tests.batches.sheets import row_for
from tests.conftest import PASSWORD

HOST = "127.0.0.1"
BUSINESS_DAY = "2020-10-15"
#: Occupation declarations close on 2020-08-30: they are made on this day.
DECLARATION_DAY = "2020-08-20"

XIHU_EMPLOYER = "杭州西湖精密机械有限公司"
SHANGCHENG_EMPLOYER = "杭州河坊餐饮有限公司"

#: The seven staff roles, each played by one named user of 西湖区 or of the city (the matrix).
ROLE_USERS = {
    Role.GRASSROOTS_CLERK: "xihu.clerk",
    Role.DISTRICT_REVIEWER: "xihu.reviewer",
    Role.CITY_REVIEWER: "city.reviewer",
    Role.FINANCE_OFFICER: "finance.a",
    Role.ECONOMIC_OFFICER: "economic",
    Role.AUDITOR: "auditor",
    Role.ADMIN: "admin",
}


# --- canaries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Canary:
    number: str
    kind: str  # "id", "card" or "mobile"
    application_no: str  # "" for a number that belongs to no application (a member only)


def _photo(color: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), color).save(buffer, "JPEG")
    return SimpleUploadedFile(f"{color}.jpg", buffer.getvalue(), content_type="image/jpeg")


def materials() -> dict[str, SimpleUploadedFile]:
    return {"id_card_file": _photo("red"), "certificate_file": _photo("blue"), "bank_card_file": _photo("green")}


@dataclass
class World:
    campaign: Any
    orgs: dict[str, Organisation]
    users: dict[str, StaffUser]
    apps: dict[str, Application]
    payment_sent: PaymentBatch
    payment_built: PaymentBatch
    lines: dict[str, PaymentLine]
    imports: dict[str, Any]
    declarations: dict[str, Any]
    plans: dict[str, Any]
    applicant_member: Any
    applicant_token: str
    tokens: dict[str, str] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    canaries: list[Canary] = field(default_factory=list)

    def user(self, key: str) -> StaffUser:
        return self.users[key]

    def role_user(self, role: str) -> StaffUser:
        return self.users[ROLE_USERS[Role(role)]]

    def client_for(self, username: str, *, fresh: bool = False) -> Client:
        """A signed-in page client of ``username`` (one per user, kept for the module); ``fresh``:
        a new session for this request only (sign-in steps may end the session they run in)."""
        if fresh:
            client = Client(HTTP_HOST=HOST)
            client.force_login(self.users[username])
            return client
        if username not in self.clients:
            client = Client(HTTP_HOST=HOST)
            client.force_login(self.users[username])
            self.clients[username] = client
        return self.clients[username]

    def token_for(self, username: str) -> str:
        if username not in self.tokens:
            self.tokens[username], _ = staff_token_issue(username=username, password=PASSWORD)
        return self.tokens[username]


# --- seeding ------------------------------------------------------------------------------------


def _submit_online(campaign: Any, member: Any, *, in_registry: bool = True) -> Application:
    form = factories.annex3(member)
    if in_registry:
        factories.register_certificate(member, form)
    application = application_submit(campaign=campaign, data=form, files=materials(), applicant_id_hash=member.id_hash).application
    ensure_signals(application)  # the after-commit task's work (tests never commit)
    return application


def sheet(rows: list[dict[str, Any]]) -> bytes:
    """A batch sheet with Annex 4's header row and ``rows`` as text cells (the template itself,
    with its drop-down lists, takes seconds to build)."""
    workbook = Workbook()
    sheet_ = workbook.active
    sheet_.append([label for _, label in COLUMNS])
    for row in rows:
        sheet_.append([row.get(name, "") for name, _ in COLUMNS])
    for cells in sheet_.iter_rows(min_row=2):
        for cell in cells:
            cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _submit_batch(campaign: Any, clerk: StaffUser, org: Organisation, members: list[Any], employer: str) -> list[Application]:
    rows = []
    for seq, member in enumerate(members, start=1):
        row = row_for(member, seq=str(seq), employer=employer)
        factories.make_certificate(member=member, certificate_no=row["certificate_no"], occupation=row["occupation"])
        rows.append(row)
    result = check_and_save(campaign=campaign, user=clerk, org=org, start_status="pending_grassroots", sheet=sheet(rows))
    numbers = [row.application_no for row in result.rows if row.application_no]
    assert len(numbers) == len(members), result
    applications = list(Application.objects.filter(application_no__in=numbers).order_by("application_no"))
    for application in applications:
        ensure_signals(application)
    return applications


def _decide(user: StaffUser, application: Application, *decisions: str) -> Application:
    for decision in decisions:
        opinion = "" if decision == "approve" else "请补充材料后再提交"
        review_decide(user=user, application_no=application.application_no, decision=decision, opinion=opinion)
    application.refresh_from_db()
    return application


def _import(campaign: Any, clerk: StaffUser, org: Organisation, members: list[Any], employer: str) -> Any:
    """A checked, unsaved import with one good row and one refused row (a card failing Luhn)."""
    good = row_for(members[0], seq="1", employer=employer)
    bad = row_for(members[1], seq="2", employer=employer, bank_card_no="6222021234567890123")
    content = sheet([good, bad])
    return import_start(user=clerk, org=org, sheet_file=io.BytesIO(content), file_name="汇总表.xlsx")


def seed_world() -> World:
    clear_all()
    with override_settings(APP_TODAY=DECLARATION_DAY):
        campaign, _ = campaign_load_notice(year=2020)
        city = organisation_by_name("杭州市总工会")
        xihu = organisation_by_name("西湖区总工会")
        shangcheng = organisation_by_name("上城区总工会")
        assert city and xihu and shangcheng
        xihu_grassroots, _ = organisation_ensure(name=f"{XIHU_EMPLOYER}工会", kind=OrgKind.GRASSROOTS, parent=xihu)
        shangcheng_grassroots, _ = organisation_ensure(name=f"{SHANGCHENG_EMPLOYER}工会", kind=OrgKind.GRASSROOTS, parent=shangcheng)
        orgs = {
            "city": city,
            "xihu": xihu,
            "shangcheng": shangcheng,
            "xihu_grassroots": xihu_grassroots,
            "shangcheng_grassroots": shangcheng_grassroots,
        }
        people = [
            ("xihu.clerk", Role.GRASSROOTS_CLERK, xihu_grassroots),
            ("xihu.reviewer", Role.DISTRICT_REVIEWER, xihu),
            ("city.reviewer", Role.CITY_REVIEWER, city),
            ("finance.a", Role.FINANCE_OFFICER, city),
            ("finance.b", Role.FINANCE_OFFICER, city),
            ("economic", Role.ECONOMIC_OFFICER, city),
            ("auditor", Role.AUDITOR, city),
            ("admin", Role.ADMIN, city),
            ("shangcheng.reviewer", Role.DISTRICT_REVIEWER, shangcheng),
            ("shangcheng.clerk", Role.GRASSROOTS_CLERK, shangcheng_grassroots),
        ]
        users = {name: staff_create(username=name, role=role, organisation=org, password=PASSWORD) for name, role, org in people}
        declarations = {
            "xihu": occupation_declare(user=users["xihu.reviewer"], occupation="无人机驾驶员", reason="西湖区产业集聚。"),
            "shangcheng": occupation_declare(user=users["shangcheng.reviewer"], occupation="茶艺师", reason="上城区茶文化产业。"),
        }

    with override_settings(APP_TODAY=BUSINESS_DAY):
        clear_all()
        plan = {"year": 2020, "level": "technician", "planned_trainees": 40, "mode": "online", "budget": "120000"}
        plans = {
            "xihu": training_plan_create(user=users["xihu.reviewer"], data={**plan, "occupation": "数控车工"}),
            "shangcheng": training_plan_create(user=users["shangcheng.reviewer"], data={**plan, "occupation": "中式烹调师"}),
        }

        def member(union: str, employer: str = "杭州测试机械有限公司", grassroots: Organisation | None = None) -> Any:
            return factories.make_member(union=orgs[union], grassroots=grassroots, employer=employer)

        apps: dict[str, Application] = {}
        for union in ("xihu", "shangcheng"):
            district = users[f"{union}.reviewer"]
            city_reviewer = users["city.reviewer"]
            apps[f"{union}_online_pending"] = _submit_online(campaign, member(union), in_registry=False)  # with a hard signal
            apps[f"{union}_online_city"] = _decide(district, _submit_online(campaign, member(union)), "approve")
            apps[f"{union}_online_returned"] = _decide(district, _submit_online(campaign, member(union)), "return")
            apps[f"{union}_online_rejected"] = _decide(
                city_reviewer, _decide(district, _submit_online(campaign, member(union)), "approve"), "reject"
            )
            for key in ("paid", "failed", "reversed", "awaiting"):
                apps[f"{union}_online_{key}"] = _decide(
                    city_reviewer, _decide(district, _submit_online(campaign, member(union)), "approve"), "approve"
                )
            # Approved by the city only after the first payment batch: the second one holds it.
            apps[f"{union}_online_unpaid"] = _decide(district, _submit_online(campaign, member(union)), "approve")
            grassroots = orgs[f"{union}_grassroots"]
            employer = XIHU_EMPLOYER if union == "xihu" else SHANGCHENG_EMPLOYER
            clerk = users[f"{union}.clerk"]
            batch = _submit_batch(campaign, clerk, grassroots, [member(union, employer, grassroots) for _ in range(3)], employer)
            apps[f"{union}_batch_grassroots"] = batch[0]
            apps[f"{union}_batch_returned"] = _decide(clerk, batch[1], "return")
            apps[f"{union}_batch_district"] = _decide(clerk, batch[2], "approve")

        # 核发: one batch sent to the bank and answered (paid, failed, one reversed after its
        # success; one line still waiting for the bank); a second one built by finance.a and waiting for another officer's approval.
        finance_a, finance_b = users["finance.a"], users["finance.b"]
        sent, _ = payment_batch_build(user=finance_a, campaign=campaign)
        payment_batch_approve(user=finance_b, batch_no=sent.batch_no)
        payment_batch_file(user=finance_a, batch_no=sent.batch_no)
        lines = {line.application.application_no: line for line in PaymentLine.objects.filter(batch=sent).select_related("application")}
        answers = []
        for key, line in ((key, lines[app.application_no]) for key, app in apps.items() if app.application_no in lines):
            if key.endswith("_awaiting"):
                continue  # no answer from the bank yet: the batch's file can still be downloaded (its CSV)
            failed = key.endswith("_failed")
            answers.append(f"{line.reference},{line.amount:.2f},{'failure' if failed else 'success'},{'账户已冻结' if failed else ''}\r\n")
        payment_results_import(
            user=finance_a, batch_no=sent.batch_no, content=("reference,amount,result,reason\r\n" + "".join(answers)).encode()
        )
        for union in ("xihu", "shangcheng"):
            payment_line_reversal(
                user=finance_a, reference=lines[apps[f"{union}_online_reversed"].application_no].reference, reason="账户已销户"
            )
            _decide(users["city.reviewer"], apps[f"{union}_online_unpaid"], "approve")
        built, _ = payment_batch_build(user=finance_a, campaign=campaign)
        for application in apps.values():
            application.refresh_from_db()
        key_of = {app.pk: key for key, app in apps.items()}
        lines = {}  # each application's first payment line
        for line in PaymentLine.objects.select_related("batch", "application").order_by("pk"):
            lines.setdefault(key_of[line.application_id], line)

        imports = {
            union: _import(
                campaign,
                users[f"{union}.clerk"],
                orgs[f"{union}_grassroots"],
                [member(union, employer, orgs[f"{union}_grassroots"]) for _ in range(2)],
                employer,
            )
            for union, employer in (("xihu", XIHU_EMPLOYER), ("shangcheng", SHANGCHENG_EMPLOYER))
        }

        worker = Member.objects.get(id_hash=apps["xihu_online_returned"].id_hash)
        # The worker's own photos re-encoded, as the background step does after the commit, so
        # that the edit page links them and the crawl and the matrix open them.
        for attachment_id in apps["xihu_online_returned"].attachments.values_list("pk", flat=True):
            application_materials.process(attachment_id)
        otp_request(id_number=worker.id_number, name=worker.name)
        code = SmsMessage.objects.filter(template="otp").order_by("-pk").first().params["code"]
        applicant_token = otp_verify(id_number=worker.id_number, code=code)

    world = World(
        campaign=campaign,
        orgs=orgs,
        users=users,
        apps=apps,
        payment_sent=PaymentBatch.objects.get(pk=sent.pk),
        payment_built=PaymentBatch.objects.get(pk=built.pk),
        lines=lines,
        imports=imports,
        declarations=declarations,
        plans=plans,
        applicant_member=worker,
        applicant_token=applicant_token,
    )
    world.canaries = collect_canaries()
    # Sessions and tokens belong to the world's transaction: made inside a test, they would be
    # rolled back with it.
    for username in users:
        world.client_for(username)
        world.token_for(username)
    return world


def collect_canaries() -> list[Canary]:
    """Every full personal number the database holds: applications, members, payment lines, SMS."""
    found: dict[str, Canary] = {}
    for application in Application.objects.all():
        for kind, number in (("id", application.id_number), ("card", application.bank_card_no), ("mobile", application.phone)):
            found.setdefault(number, Canary(number, kind, application.application_no))
    for member in Member.objects.all():
        for kind, number in (("id", member.id_number), ("mobile", member.phone)):
            found.setdefault(number, Canary(number, kind, ""))
    for line in PaymentLine.objects.select_related("application"):
        found.setdefault(line.bank_card_no, Canary(line.bank_card_no, "card", line.application.application_no))
    for message in SmsMessage.objects.all():
        found.setdefault(message.phone, Canary(message.phone, "mobile", ""))
    return sorted(found.values(), key=lambda canary: canary.number)


@contextlib.contextmanager
def world_transaction() -> Iterator[None]:
    """The module's outer transaction: everything seeded is rolled back at the end."""
    with override_settings(APP_TODAY=BUSINESS_DAY), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)
            clear_all()


@contextlib.contextmanager
def isolated() -> Iterator[None]:
    """One probe in a savepoint rolled back afterwards (the world stays as seeded)."""
    try:
        with transaction.atomic():
            try:
                yield
            finally:
                transaction.set_rollback(True)
    finally:
        clear_all()
        from django.core.cache import caches

        caches["default"].clear()


# --- the URL list -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern of the resolver: its full route, its ``namespace:name`` and its parameters."""

    route: str
    name: str
    params: tuple[str, ...]
    callback: Any

    @property
    def namespace(self) -> str:
        return self.name.split(":", 1)[0] if ":" in self.name else ""


PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")


def url_patterns() -> list[Route]:
    """Every URL pattern of the project, from Django's resolver."""
    routes: list[Route] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else (pattern.namespace or namespace)
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
                params = tuple(match["parameter"] for match in PARAM.finditer(route))
                routes.append(Route(route=route, name=name or route, params=params, callback=pattern.callback))

    walk(get_resolver().url_patterns, "", "")
    return routes


def view_methods(route: Route) -> set[str]:
    """The HTTP methods a view answers (DRF views: their handlers; pages: their decorators' list, or
    every method when they have none)."""
    view_class = getattr(route.callback, "view_class", None) or getattr(route.callback, "cls", None)
    if view_class is not None:
        return {method.upper() for method in ("get", "post", "put", "patch", "delete") if hasattr(view_class, method)}
    return {"GET", "POST", "PUT", "PATCH", "DELETE"}


# --- sending requests ---------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    content: bytes
    headers: dict[str, str]
    error: str = ""  # the exception a view raised (then status is 500)

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        import json

        return json.loads(self.content)

    def json_code(self) -> str:
        """The contract's ``error.code`` of a JSON error answer ("" otherwise)."""
        import json

        try:
            body = json.loads(self.content)
        except ValueError:
            return ""
        return body.get("error", {}).get("code", "") if isinstance(body, dict) else ""


def send(client: Client, method: str, url: str, *, data: dict[str, Any] | None = None, token: str = "") -> Answer:
    """One request; a view's exception comes back as a 500 answer naming it (never raised)."""
    import json

    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    try:
        if method == "GET":
            response = client.get(url, data or {}, **extra)
        elif method == "POST":
            response = client.post(url, data or {}, **extra)
        else:
            response = client.generic(method, url, json.dumps(data or {}), content_type="application/json", **extra)
    except Exception as exc:
        return Answer(500, b"", {}, error=f"{type(exc).__name__}: {exc}")
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return Answer(response.status_code, body, {key: value for key, value in response.items()})


def anonymous() -> Client:
    return Client(HTTP_HOST=HOST)
