"""附件4 杭州市职工高技能人才奖励人员汇总表: one submitting unit's batch applications.

The table lists the unit-batch (单位统一申报) applications that a grassroots union entered,
withdrawn ones left out, in the notice's column order. A district/industry union asking for
itself gets one table for all its grassroots unions, or with ``per_unit`` one table per
grassroots union (a worksheet each in Excel, a section each in the PDF), as each unit stamps
its own. Full ID, mobile and card numbers only for a reviewer (DOMAIN.md §9); every export is
audited as ``report.annex4``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rewards.applications.models import Application
from rewards.campaigns.models import Campaign
from rewards.campaigns.selectors import campaign_for_year
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import InvalidInput
from rewards.core.masking import mask_bank_card, mask_id_number, mask_phone
from rewards.core.vocab import Channel, Level, Status
from rewards.organisations.models import Organisation, OrgKind, StaffUser
from rewards.organisations.selectors import scope_to_subtree
from rewards.review.services import sees_full_numbers

from . import renderers
from .access import organisation_or_denial, require_report_role
from .renderers import Column

TEMPLATE = "reports/annex4.html"
FORMATS = ("xlsx", "pdf")
LABEL = "附件4"
#: The notice's columns, in its order (the batch importer reads the same headers).
COLUMNS = (
    Column("序号", 6),
    Column("姓名", 10),
    Column("性别", 6),
    Column("工作单位", 30, align="left"),
    Column("身份证号", 22, text=True),
    Column("职业（工种）", 14),
    Column("技术等级", 10),
    Column("证书编号", 20, text=True),
    Column("联系方式（手机号码）", 15, text=True),
    Column("银行卡号", 24, text=True),
    Column("银行卡开户行", 26, align="left"),
)
HEADERS = tuple(column.header for column in COLUMNS)
NOTES = (
    "注：1.该表仅单位统一申报时需要填写，个人申报无需填写。",
    "　　2.受奖励人员所在单位必须建立工会组织，市总工会将对上报人员单位工会组建情况进行核查。",
)
DATE_LINE = "年　　月　　日"


def title(year: int) -> str:
    return f"{year}年度杭州市职工高技能人才奖励人员汇总表"


def unit_line(unit: Organisation) -> str:
    return f"填报单位：{unit.name}（盖章）"


@dataclass
class Section:
    """One stamped table: a 填报单位 and its rows."""

    unit: Organisation
    applications: list[Application] = field(default_factory=list)


def annex4_row(number: int, application: Application, *, full: bool) -> list[Any]:
    return [
        number,
        application.name,
        application.get_gender_display(),
        application.employer,
        application.id_number if full else mask_id_number(application.id_number),
        application.occupation,
        Level(application.new_level).label,
        application.certificate_no,
        application.phone if full else mask_phone(application.phone),
        application.bank_card_no if full else mask_bank_card(application.bank_card_no),
        application.bank_branch,
    ]


def listed(*, user: StaffUser, campaign: Campaign):  # type: ignore[no-untyped-def]
    """The applications Annex 4 lists, in ``user``'s subtree: a unit's batch applications, neither
    withdrawn nor rejected (the page's counts and the files read the same ones)."""
    return scope_to_subtree(
        Application.objects.filter(campaign=campaign, channel=Channel.BATCH).exclude(status__in=(Status.WITHDRAWN, Status.REJECTED)),
        user,
        org_field="submitting_org",
    )


def annex4_sections(*, user: StaffUser, campaign: Campaign, organisation: Organisation, per_unit: bool) -> list[Section]:
    """The tables for ``organisation``: one, or one per grassroots union when ``per_unit``."""
    queryset = listed(user=user, campaign=campaign)
    applications = list(
        queryset.filter(submitting_org__path__startswith=organisation.path)
        .select_related("submitting_org")
        .order_by("submitting_org_id", "submitted_at", "pk")
    )
    if not per_unit or organisation.kind == OrgKind.GRASSROOTS:
        return [Section(organisation, applications)]
    sections: dict[int, Section] = {}
    for application in applications:
        unit = application.submitting_org
        assert unit is not None  # filtered on its path above
        sections.setdefault(unit.pk, Section(unit)).applications.append(application)
    return list(sections.values()) or [Section(organisation)]


def section_rows(section: Section, *, full: bool) -> list[list[Any]]:
    return [annex4_row(number, application, full=full) for number, application in enumerate(section.applications, start=1)]


def _organisation(user: StaffUser, name: str, request: Any) -> Organisation:
    name = (name or "").strip()[:120]
    if not name:
        raise InvalidInput("请选择填报单位。", fields={"org": ["请填写填报单位（区县（产业）工会或基层工会的名称）。"]})
    organisation = organisation_or_denial(user=user, request=request, name=name, what="annex4", param="org")
    if organisation.kind == OrgKind.CITY:
        raise InvalidInput(fields={"org": ["汇总表按填报单位出具：请选择区县（产业）工会或基层工会。"]})
    return organisation


def xlsx_sheets(sections: list[Section], *, year: int, full: bool, per_unit: bool) -> list[renderers.Sheet]:
    return [
        renderers.Sheet(
            name=section.unit.name if per_unit else "汇总表",
            label=LABEL,
            title=title(year),
            unit_line=unit_line(section.unit),
            date_line=DATE_LINE,
            columns=COLUMNS,
            rows=section_rows(section, full=full),
            notes=NOTES,
        )
        for section in sections
    ]


def pdf_context(sections: list[Section], *, year: int, full: bool) -> dict[str, Any]:
    return {
        "label": LABEL,
        "title": title(year),
        "headers": HEADERS,
        "notes": NOTES,
        "date_line": DATE_LINE,
        "sections": [{"unit_line": unit_line(section.unit), "rows": section_rows(section, full=full)} for section in sections],
        "masked": not full,
        "generated_at": clock.now().astimezone(clock.SHANGHAI),
    }


def annex4_export(
    *, user: StaffUser, org: str, year: str | int | None = None, per_unit: bool = False, file_format: str = "xlsx", request: Any = None
) -> renderers.Generated:
    """Annex 4 of one submitting organisation in the caller's subtree (404 outside it)."""
    require_report_role(user)
    if file_format not in FORMATS:
        raise InvalidInput(fields={"format": ["格式应为 xlsx 或 pdf。"]})
    campaign = campaign_for_year(year)
    organisation = _organisation(user, org, request)
    sections = annex4_sections(user=user, campaign=campaign, organisation=organisation, per_unit=per_unit)
    full = sees_full_numbers(user)
    if file_format == "xlsx":
        content = renderers.xlsx(xlsx_sheets(sections, year=campaign.year, full=full, per_unit=per_unit))
        content_type = renderers.XLSX_CONTENT_TYPE
    else:
        content = renderers.pdf(TEMPLATE, pdf_context(sections, year=campaign.year, full=full))
        content_type = renderers.PDF_CONTENT_TYPE
    audit(
        "report.annex4",
        actor=user,
        request=request,
        obj=organisation,
        detail={
            "year": campaign.year,
            "format": file_format,
            "per_unit": per_unit,
            "units": len(sections),
            "rows": sum(len(section.applications) for section in sections),
            "full": full,
        },
    )
    return renderers.Generated(
        filename=f"附件4-{campaign.year}年度高技能人才奖励人员汇总表-{organisation.name}.{file_format}",
        ascii_filename=f"annex4-{campaign.year}-{organisation.pk}.{file_format}",
        content_type=content_type,
        content=content,
    )
