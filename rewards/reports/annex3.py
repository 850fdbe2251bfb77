"""附件3 杭州市工会职工高技能人才奖励申请表: one application, printable, opinions filled in.

The three opinion boxes (基层工会意见 / 区县市产业工会意见 / 市总工会意见) come from the
application's review history: at each level, the latest decision taken there, with the
deciding organisation's name and the date. An online application has no 基层工会 step, so
that box says so. ID, mobile and card numbers appear in full only for a reviewer whose
subtree holds the application (DOMAIN.md §9); every print is audited as ``report.annex3``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rewards.applications.models import Application, ApplicationEvent
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import NotFound
from rewards.core.masking import mask_bank_card, mask_digit_runs, mask_id_number, mask_phone
from rewards.core.vocab import Channel, Level, Status
from rewards.review.services import application_in_scope, sees_full_numbers

from . import renderers
from .access import record_denial, require_report_role

if TYPE_CHECKING:
    from rewards.organisations.models import StaffUser

TEMPLATE = "reports/annex3.html"
REMARK = "备注：银行卡开户行请写至支行，例：××银行××支行。"
ONLINE_NO_GRASSROOTS = "（个人网上申报，无此环节）"
#: The boxes of the form, top to bottom, and the status an application has while waiting there.
BOXES = (
    ("基层工会意见", Status.PENDING_GRASSROOTS),
    ("区县市产业工会意见", Status.PENDING_DISTRICT),
    ("市总工会意见", Status.PENDING_CITY),
)
DECISION_WORDS = {"approve": "同意", "return": "退回修改", "reject": "不予奖励"}


@dataclass(frozen=True)
class OpinionBox:
    title: str
    #: The two lines the label cell is printed on (the form's narrow first column).
    title_lines: tuple[str, ...]
    org_name: str = ""
    text: str = ""
    date: dt.date | None = None
    #: Set when the step does not exist for this application.
    not_applicable: str = ""


def title(year: int) -> str:
    return f"{year}年杭州市工会职工高技能人才奖励申请表"


def opinion_text(event: ApplicationEvent) -> str:
    """ "同意" for an approval without text; a return or rejection says which it was."""
    opinion = (event.opinion or "").strip()
    if event.decision == "approve":
        return opinion or "同意"
    word = DECISION_WORDS.get(event.decision, event.decision)
    return f"{word}：{opinion}" if opinion else word


def _title_lines(box_title: str) -> tuple[str, ...]:
    if box_title.startswith("区县市"):
        return ("区县市", "产业工会", "意见")
    return (box_title[:-2], "意见")


def opinion_boxes(application: Application, events: list[ApplicationEvent]) -> list[OpinionBox]:
    latest: dict[str, ApplicationEvent] = {}
    for event in events:  # in time order: a later decision at the same level replaces an earlier one
        if event.decision and event.from_status in (Status.PENDING_GRASSROOTS, Status.PENDING_DISTRICT, Status.PENDING_CITY):
            latest[event.from_status] = event
    boxes = []
    for box_title, status in BOXES:
        lines = _title_lines(box_title)
        if status == Status.PENDING_GRASSROOTS and application.channel == Channel.ONLINE:
            boxes.append(OpinionBox(box_title, lines, not_applicable=ONLINE_NO_GRASSROOTS))
            continue
        decided = latest.get(status)
        if decided is None:
            boxes.append(OpinionBox(box_title, lines))
            continue
        boxes.append(
            OpinionBox(
                box_title,
                lines,
                org_name=decided.organisation.name if decided.organisation else "",
                text=opinion_text(decided),
                date=decided.at.astimezone(clock.SHANGHAI).date(),
            )
        )
    return boxes


def annex3_context(application: Application, *, full: bool) -> dict[str, Any]:
    """Everything the form shows; personal numbers masked unless ``full``."""
    events = list(application.events.select_related("organisation").order_by("at", "id"))
    return {
        "title": title(application.campaign.year),
        "application_no": application.application_no,
        "union": application.union.name,
        "filled_on": application.submitted_at.astimezone(clock.SHANGHAI).date(),
        "name": application.name,
        "gender": application.get_gender_display(),
        "education": application.education,
        "occupation": application.occupation,
        "previous_level": Level(application.previous_level).label if application.previous_level else "",
        "previous_level_date": application.previous_level_date,
        "new_level": Level(application.new_level).label,
        "certificate_no": application.certificate_no,
        "certificate_issue_date": application.certificate_issue_date,
        "id_number": application.id_number if full else mask_id_number(application.id_number),
        "phone": application.phone if full else mask_phone(application.phone),
        "bank_card_no": application.bank_card_no if full else mask_bank_card(application.bank_card_no),
        "bank_branch": application.bank_branch,
        "employer": application.employer,
        "is_migrant": application.is_migrant,
        "hukou_place": application.hukou_place,
        "years_in_hangzhou": application.years_in_hangzhou,
        "boxes": opinion_boxes(application, events),
        "remark": REMARK,
        "masked": not full,
        "generated_at": clock.now().astimezone(clock.SHANGHAI),
    }


def annex3_pdf(*, user: StaffUser, application_no: str, request: Any = None) -> renderers.Generated:
    """The Annex 3 PDF of one application in the caller's subtree (404 outside it)."""
    require_report_role(user)
    try:
        application = application_in_scope(user, application_no)
    except NotFound:
        existing = Application.objects.filter(application_no=application_no[:20]).values_list("pk", flat=True).first()
        record_denial(
            user=user,
            request=request,
            what="annex3",
            object_type="applications.application",
            object_id=existing,
            detail={"application_no": mask_digit_runs(application_no[:20])},
        )
        raise
    full = sees_full_numbers(user)
    content = renderers.pdf(TEMPLATE, annex3_context(application, full=full))
    audit("report.annex3", obj=application, actor=user, request=request, detail={"format": "pdf", "full": full})
    return renderers.Generated(
        filename=f"附件3-申请表-{application.application_no}-{application.name}.pdf",
        ascii_filename=f"annex3-{application.application_no}.pdf",
        content_type=renderers.PDF_CONTENT_TYPE,
        content=content,
    )
