"""The demonstration data that ``make run`` loads: synthetic members, certificates, a 2019
roster and one staff account per role. Every number is generated; no real person's data."""

from __future__ import annotations

import csv
import datetime as dt
import random
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from django.conf import settings
from django.db import transaction

from rewards.campaigns.models import CampaignUnit
from rewards.campaigns.services import campaign_load_notice
from rewards.organisations.models import OrgKind, Role, StaffUser
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import organisation_ensure, staff_create
from rewards.registries.importers import import_awards, import_certificates, import_members

from . import synthetic

#: Grassroots unions created for the demo, by district/industry union.
GRASSROOTS = {
    "西湖区总工会": ["杭州西湖精密机械有限公司工会", "杭州西溪电子科技有限公司工会", "杭州之江酒店管理有限公司工会"],
    "上城区总工会": ["杭州河坊餐饮有限公司工会", "杭州钱江建设集团有限公司工会"],
    "萧山区总工会": ["杭州萧山汽车零部件有限公司工会", "杭州湘湖纺织有限公司工会"],
    "余杭区总工会": ["杭州余杭新材料有限公司工会", "杭州良渚物流有限公司工会"],
    "高新区（滨江）总工会": ["杭州滨江网络技术有限公司工会"],
    "工业工会": ["杭州重型机床有限公司工会"],
    "建设工会": ["杭州市政工程有限公司工会"],
}

#: One account per role (API.md "Roles"): (username, role, organisation, the person's name; made up).
STAFF = [
    ("admin", Role.ADMIN, "杭州市总工会", "系统管理员"),
    # A role given in the administration waits for a second administrator (确认授权).
    ("admin.b", Role.ADMIN, "杭州市总工会", "林涛"),
    ("city.reviewer", Role.CITY_REVIEWER, "杭州市总工会", "陈静"),
    ("finance.a", Role.FINANCE_OFFICER, "杭州市总工会", "李敏"),
    ("finance.b", Role.FINANCE_OFFICER, "杭州市总工会", "赵磊"),
    ("economic", Role.ECONOMIC_OFFICER, "杭州市总工会", "孙伟"),
    ("auditor", Role.AUDITOR, "杭州市总工会", "周丽"),
    ("xihu.reviewer", Role.DISTRICT_REVIEWER, "西湖区总工会", "吴刚"),
    ("shangcheng.reviewer", Role.DISTRICT_REVIEWER, "上城区总工会", "郑洁"),
    ("xihu.clerk", Role.GRASSROOTS_CLERK, "杭州西湖精密机械有限公司工会", "钱芳"),
]

#: The district unions with a demo reviewer (STAFF).
REVIEWED_UNIONS = ("西湖区总工会", "上城区总工会")

MEMBER_HEADER = ["id_number", "name", "phone", "union", "grassroots_union", "employer", "verified"]
CERT_HEADER = ["certificate_no", "id_number", "name", "occupation", "level", "issue_date", "issuer"]
AWARD_HEADER = ["id_number", "name", "level", "amount", "status"]


@dataclass
class Persona:
    """A member to try the self-check with."""

    label: str
    name: str
    id_number: str
    certificate_no: str
    level: str
    issue_date: dt.date
    issuer: str
    occupation: str
    union: str = ""


class DemoRefused(Exception):
    """Demonstration data asked for where it is not allowed (production settings)."""


def refuse_in_production() -> None:
    """No default accounts in production (SECURITY.md 8): the demo staff share one password."""
    if not getattr(settings, "DEMO_DATA_ALLOWED", False):
        raise DemoRefused("生产环境不允许载入演示数据（演示账号使用同一个密码）。请用 create_staff 逐个创建工作人员账号。")


def _chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def refuse_outside_the_2020_filing() -> None:
    """The demo's applications are 2020's, filed on the business date: outside the 2020 campaign's
    filing period (``make run DEMO_TODAY=``, the real date) the first of them would be refused
    halfway through the seed. Said before anything is written, with the command that works."""
    from rewards.applications.models import Application
    from rewards.campaigns.notice_2020 import CAMPAIGN
    from rewards.core import clock

    today = clock.today()
    opens, deadline = cast(dt.date, CAMPAIGN["opens_on"]), cast(dt.date, CAMPAIGN["application_deadline"])
    if opens <= today <= deadline or Application.objects.exists():
        return
    raise DemoRefused(
        f"演示数据是2020年度的申请，只能在2020年度的受理期（{_chinese_date(opens)}至{_chinese_date(deadline)}）内载入，"
        f"而业务日期是{_chinese_date(today)}。请用 make run（它设置 APP_TODAY=2020-10-15），"
        "或 APP_TODAY=2020-10-15 .venv/bin/python manage.py seed_demo。本次没有写入任何数据。"
    )


def demo_password() -> str:
    path = Path(settings.DATA_DIR) / "demo-password"
    if not path.exists():
        path.write_text("Demo-" + secrets.token_urlsafe(9))
        path.chmod(0o600)
    return path.read_text().strip()


def _write(path: Path, header: list[str], rows: Sequence[Sequence[object]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@transaction.atomic
def _ensure_structure() -> None:
    campaign_load_notice(year=2020)
    for district_name, names in GRASSROOTS.items():
        district = organisation_by_name(district_name, kind=OrgKind.DISTRICT)
        assert district is not None, district_name
        for name in names:
            organisation_ensure(name=name, kind=OrgKind.GRASSROOTS, parent=district, employer=name.removesuffix("工会"))


def _ensure_staff(password: str) -> None:
    for username, role, org_name, full_name in STAFF:
        if StaffUser.objects.filter(username=username).exists():
            continue
        organisation = organisation_by_name(org_name)
        assert organisation is not None, org_name
        staff_create(username=username, role=role, organisation=organisation, password=password, full_name=full_name)


def seed(*, members: int = 3000, seed_value: int = 2020) -> list[Persona]:
    """Loads the 2020 campaign and the demo data (idempotent: the importers skip unchanged rows)."""
    refuse_in_production()
    refuse_outside_the_2020_filing()
    _ensure_structure()
    _ensure_staff(demo_password())
    rng = random.Random(seed_value)
    # The 2020 campaign's own units, not the tree's: unions added for a later year (临平区 …) must
    # not move the 2020 demo members, or re-running the seed would change them.
    districts = [
        unit.organisation for unit in CampaignUnit.objects.filter(campaign__year=2020).select_related("organisation").order_by("position")
    ]
    member_rows, cert_rows, award_rows = [], [], []
    personas: list[Persona] = []
    candidates: list[dict[str, str]] = []
    main_start, main_end = dt.date(2019, 12, 1), dt.date(2020, 10, 10)
    makeup_start, makeup_end = dt.date(2018, 12, 1), dt.date(2019, 11, 30)
    for index in range(members):
        district = districts[index % len(districts)] if index % 3 else organisation_by_name("西湖区总工会")
        assert district is not None
        grassroots_names = GRASSROOTS.get(district.name, [])
        grassroots = grassroots_names[index % len(grassroots_names)] if grassroots_names else ""
        employer = grassroots.removesuffix("工会") if grassroots else f"杭州第{index % 97 + 1}制造有限公司"
        id_number = synthetic.id_number(rng)
        name = synthetic.person_name(rng)
        verified = index % 20 != 7  # about 5 % not yet real-name verified
        member_rows.append([id_number, name, synthetic.mobile(rng), district.name, grassroots, employer, 1 if verified else 0])
        if index % 10 < 7:
            kind = index % 10
            level = ("senior_worker", "senior_worker", "technician", "senior_worker", "senior_technician", "technician", "senior_worker")[
                kind
            ]
            issuer = ("hr_hangzhou", "hr_district", "hr_zhejiang", "hr_hangzhou", "hr_zhejiang", "industry_authority", "evaluation_org")[
                kind
            ]
            in_makeup = index % 13 == 0
            issue = synthetic.day_between(rng, makeup_start, makeup_end) if in_makeup else synthetic.day_between(rng, main_start, main_end)
            occupation = rng.choice(synthetic.OCCUPATIONS)
            cert_no = f"{issue.year}{330000 + index:06d}{rng.randrange(1000):03d}"
            cert_rows.append([cert_no, id_number, name, occupation, level, issue.isoformat(), issuer])
            if in_makeup and index % 2 == 0:
                award_rows.append([id_number, name, "senior_worker", "500.00", "paid"])
            # The members printed for trying the worker pages belong to the two district unions
            # that have demo reviewers: what they submit reaches a desk someone can sign in to.
            if len(personas) < 4 and verified and issuer.startswith("hr_") and not in_makeup and district.name in REVIEWED_UNIONS:
                personas.append(Persona("符合条件", name, id_number, cert_no, level, issue, issuer, occupation, district.name))
            elif verified and issuer.startswith("hr_") and not in_makeup:
                candidates.append(
                    {
                        "name": name,
                        "id_number": id_number,
                        "union": district.name,
                        "grassroots": grassroots,
                        "employer": employer,
                        "certificate_no": cert_no,
                        "new_level": level,
                        "certificate_issue_date": issue.isoformat(),
                        "issuer": issuer,
                        "occupation": occupation,
                        "bank_card_no": synthetic.bank_card(rng),
                        "bank_branch": rng.choice(synthetic.BANK_BRANCHES),
                        "education": rng.choice(synthetic.EDUCATION),
                        "phone": str(member_rows[-1][2]),
                    }
                )
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        _write(base / "members.csv", MEMBER_HEADER, member_rows)
        _write(base / "certificates.csv", CERT_HEADER, cert_rows)
        _write(base / "awards-2019.csv", AWARD_HEADER, award_rows)
        import_members(base / "members.csv")
        import_certificates(base / "certificates.csv")
        import_awards(base / "awards-2019.csv", year=2019)
    _seed_applications(candidates)
    _seed_programme()
    return personas


def _seed_programme() -> None:
    """Non-generic occupation declarations and training plans (``rewards/demo/programme.py``)."""
    from rewards.campaigns.selectors import campaign_by_year

    from .programme import seed_programme

    campaign = campaign_by_year(2020)
    if campaign is not None:
        seed_programme(campaign)


def _jpeg(text_colour: tuple[int, int, int]) -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 400), (245, 242, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 620, 380), outline=text_colour, width=6)
    for y in range(80, 360, 40):
        draw.line((60, y, 580, y), fill=text_colour, width=3)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _seed_applications(candidates: list[dict[str, str]]) -> None:
    """Applications in every stage, through the real services, so the review pages have work:
    online ones of 西湖区 and 上城区 (some pre-reviewed, approved or returned) and a batch sheet of
    one grassroots union. Only on a database without applications."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rewards.applications.models import Application
    from rewards.applications.services import application_submit
    from rewards.campaigns.selectors import require_current_campaign
    from rewards.core import crypto
    from rewards.review.flags import ensure_signals
    from rewards.review.services import review_decide

    if Application.objects.exists():
        return
    campaign = require_current_campaign()
    images = {"id_card_file": _jpeg((60, 90, 160)), "certificate_file": _jpeg((170, 40, 40)), "bank_card_file": _jpeg((30, 120, 80))}
    online = [c for c in candidates if c["union"] in ("西湖区总工会", "上城区总工会") and not c["grassroots"].startswith("杭州西湖精密")][
        :24
    ]
    _vary(online)
    submitted = []
    # Two of 西湖区's declare a certificate number the HR registry does not have (a hard signal):
    # the city's reviewer finds them waiting for 终审 with the approval blocked until resolved.
    xihu_online = [c["id_number"] for c in online if c["union"] == "西湖区总工会"]
    unregistered = set(xihu_online[10:12])
    for candidate in online:
        data = {key: value for key, value in candidate.items() if key not in ("union", "grassroots")}
        if candidate["id_number"] in unregistered:
            data["certificate_no"] = data["certificate_no"][:-4] + "9999"
        files = {field: SimpleUploadedFile(f"{field}.jpg", content, content_type="image/jpeg") for field, content in images.items()}
        result = application_submit(
            campaign=campaign, data=data, files=files, applicant_id_hash=crypto.blind_index("id", candidate["id_number"])
        )
        submitted.append(result.application)
    district = StaffUser.objects.get(username="xihu.reviewer")
    city = StaffUser.objects.get(username="city.reviewer")
    xihu = [a for a in submitted if a.union.name == "西湖区总工会"]
    for application in xihu[:8]:
        review_decide(user=district, application_no=application.application_no, decision="approve", opinion="材料齐全，同意。")
    for application in xihu[:4]:
        if not application.flags.filter(hard=True, resolved_at__isnull=True).exists():
            review_decide(user=city, application_no=application.application_no, decision="approve")
    if len(xihu) > 9:
        review_decide(
            user=district, application_no=xihu[9].application_no, decision="return", opinion="银行卡照片不清晰。", materials=["bank_card"]
        )
    for application in xihu[10:12]:
        ensure_signals(application)  # what the background task does after the commit
        review_decide(user=district, application_no=application.application_no, decision="approve", opinion="材料齐全，同意。")
    sheet_rows = [c for c in candidates if c["grassroots"] == "杭州西湖精密机械有限公司工会"][:12]
    _migrants(sheet_rows)
    _seed_batch(campaign, sheet_rows)
    _spread_over_the_campaign(campaign)


#: Where the demo's migrant workers (外来务工人员) are registered.
HUKOU_PLACES = ("安徽省阜阳市", "江西省上饶市", "河南省周口市", "四川省南充市", "贵州省毕节市", "湖北省黄冈市")


def _vary(online: list[dict[str, str]]) -> None:
    """What real applications bring that the registry's candidates lack: about one worker in four
    a migrant worker (户籍地, 来杭年限), and, among 上城区's, the soft and hard signals a reviewer
    meets besides a certificate missing from the registry (DOMAIN.md §4): one bank card given by
    two people, and one mobile number on three applications (a family's or a foreman's phone)."""
    _migrants(online)
    shangcheng = [c for c in online if c["union"] == "上城区总工会"]
    if len(shangcheng) >= 7:
        shangcheng[2]["bank_card_no"] = shangcheng[1]["bank_card_no"]
        for candidate in shangcheng[5:7]:
            candidate["phone"] = shangcheng[4]["phone"]


def _migrants(candidates: list[dict[str, str]]) -> None:
    for index, candidate in enumerate(candidates):
        if index % 4 == 1:
            candidate.update(is_migrant="是", hukou_place=HUKOU_PLACES[index % len(HUKOU_PLACES)], years_in_hangzhou=str(2 + index % 13))


def _spread_over_the_campaign(campaign) -> None:  # type: ignore[no-untyped-def]
    """The demo's applications were all filed on the business date: their 填报日期 are spread
    from the opening to it instead, in the order they were made, so that the weekly chart of
    工作进度 and the queue's dates look like a campaign under way. None is filed before its
    certificate was issued, and each one's history follows its 填报日期, a few hours a step, so
    that the printed Annex 3 dates its opinions after it was filed (the audit log keeps the real
    clock, as everywhere)."""
    import datetime as dt

    from rewards.applications.models import Application, ApplicationEvent
    from rewards.core import clock

    applications = list(Application.objects.filter(campaign=campaign).order_by("pk"))
    first, last = campaign.opens_on, max(clock.today(), campaign.opens_on)
    events = []
    for index, application in enumerate(applications):
        day = first + dt.timedelta(days=(last - first).days * index // max(len(applications) - 1, 1))
        day = min(max(day, application.certificate_issue_date), last)
        filed = dt.datetime.combine(day, dt.time(8 + index % 10, index * 7 % 60), tzinfo=clock.SHANGHAI)
        application.submitted_at = filed
        end_of_business_day = clock.end_of_day(last)
        for step, event in enumerate(application.events.order_by("at", "pk")):
            event.at = min(filed + dt.timedelta(hours=3 * step), end_of_business_day)
            events.append(event)
    Application.objects.bulk_update(applications, ["submitted_at"])
    ApplicationEvent.objects.bulk_update(events, ["at"], batch_size=500)


def _seed_batch(campaign, rows: list[dict[str, str]]) -> None:  # type: ignore[no-untyped-def]
    import io

    from openpyxl import load_workbook

    from rewards.batches.services import check_and_save
    from rewards.batches.sheet import COLUMNS, template
    from rewards.core.vocab import Issuer, Level

    clerk = StaffUser.objects.get(username="xihu.clerk")
    if not rows:
        return
    if clerk.organisation is None:  # seeded with one just above
        raise RuntimeError("演示数据：基层工会经办人 xihu.clerk 没有所属组织。")
    workbook = load_workbook(io.BytesIO(template(year=campaign.year, org_name=clerk.organisation.name)))
    sheet = workbook.active
    for offset, row in enumerate(rows):
        values = {
            **row,
            "seq": str(offset + 1),
            "new_level": str(Level(row["new_level"]).label),
            "issuer": str(Issuer(row["issuer"]).label),
            "is_migrant": row.get("is_migrant", "否"),
        }
        for index, (field, _) in enumerate(COLUMNS, start=1):
            sheet.cell(row=5 + offset, column=index, value=values.get(field, ""))
    buffer = io.BytesIO()
    workbook.save(buffer)
    check_and_save(campaign=campaign, user=clerk, org=clerk.organisation, start_status="pending_grassroots", sheet=buffer.getvalue())
