"""附件5 非通用性职业（工种）奖励项目申报表: a union's declared non-generic occupations.

The notice's form has three columns (序号, 奖励职业（工种）名称, 申报理由) under 申报单位（盖章）;
the system adds the economic department's answer after them (审核情况, 市总经济部意见), so the
same table serves the union that stamps it and the city that keeps it. Every declaration of the
year is listed in the order it was made, rejected ones included with their opinion.

A district/industry union prints its own; the city (reviewers, economic department, auditors)
prints one union's, or without ``union`` every declaring union's (a worksheet or a PDF section
each). Exports are audited as ``report.annex5``.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from rewards.campaigns.declarations import READ_ROLES, declaration_deadline, declaration_list
from rewards.campaigns.models import Campaign, DeclarationStatus, OccupationDeclaration
from rewards.campaigns.selectors import campaign_for_year
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import Forbidden, InvalidInput
from rewards.organisations.models import Organisation, OrgKind, StaffUser

from . import renderers
from .access import organisation_or_denial
from .renderers import Column

TEMPLATE = "reports/annex5.html"
FORMATS = ("xlsx", "pdf")
LABEL = "附件5"
#: Filled in by hand beside the stamp, on the workbook and the PDF alike.
DATE_LINE = "年　　月　　日"
#: The notice's three columns, then the city's answer.
COLUMNS = (
    Column("序号", 6),
    Column("奖励职业（工种）名称", 26, align="left"),
    Column("申报理由", 60, align="left"),
    Column("审核情况", 12),
    Column("市总经济部意见", 36, align="left"),
)
HEADERS = tuple(column.header for column in COLUMNS)
#: How many full-width characters a line of each PDF column holds (annex5.css's widths at 9.5pt,
#: one fewer than fits, for the rule that keeps a closing mark off the start of a line).
PDF_LINE_CHARS = (3, 8, 18, 4, 10)
#: Half-width characters (digits, Latin) are about 0.56 of a full one in Noto Sans; counted high.
PDF_NARROW_CHAR = 0.6
#: The most lines a row may have and still be printed whole on one page under the repeated
#: header (48 fit in A4 portrait; a margin for the estimate). A taller row may break across pages:
#: WeasyPrint, asked to keep a row whole that cannot fit on a page, drops that page's header.
PDF_PAGE_LINES = 44


def title(year: int) -> str:
    return f"{year}年非通用性职业（工种）奖励项目申报表"


def unit_line(union: Organisation | None) -> str:
    return f"申报单位（盖章）：{union.name if union is not None else ''}"


def notes(campaign: Campaign) -> tuple[str, ...]:
    deadline = declaration_deadline(campaign)
    return (
        f"注：此表请于{deadline.month}月{deadline.day}日前报市总工会经济工作部。"
        f"每个单位申报的非通用性职业（工种）不高于{campaign.declaration_limit}项（不同意的不计入）。",
    )


@dataclass
class Section:
    """One union's form (``union`` None: the blank form, nobody having declared yet)."""

    union: Organisation | None
    declarations: list[OccupationDeclaration] = field(default_factory=list)


def annex5_row(number: int, declaration: OccupationDeclaration) -> list[Any]:
    return [
        number,
        declaration.occupation,
        declaration.reason,
        DeclarationStatus(declaration.status).label,
        declaration.opinion or "",
    ]


def section_rows(section: Section, *, blank_rows: int) -> list[list[Any]]:
    """The union's declarations in the order made; none: the notice's numbered blank rows (as
    many as a union may declare), to fill in by hand and stamp."""
    if not section.declarations:
        return [[number, "", "", "", ""] for number in range(1, max(blank_rows, 1) + 1)]
    ordered = sorted(section.declarations, key=lambda d: (d.created_at, d.pk))
    return [annex5_row(number, declaration) for number, declaration in enumerate(ordered, start=1)]


def pdf_lines(text: object, line_chars: int) -> int:
    """The lines ``text`` wraps to in a column of ``line_chars`` full-width characters, rounded up."""
    lines = 0
    for paragraph in str(text).splitlines() or [""]:
        width = sum(1 if unicodedata.east_asian_width(char) in "WF" else PDF_NARROW_CHAR for char in paragraph)
        lines += max(1, math.ceil(width / line_chars))
    return lines


def pdf_row(row: list[Any]) -> dict[str, Any]:
    """A row of the PDF's table, ``fits`` if it is sure to print whole on one page under the header
    (kept whole, pushed to the next page if need be); a taller one is split across pages."""
    lines = max(pdf_lines(cell, chars) for cell, chars in zip(row, PDF_LINE_CHARS, strict=True))
    return {"cells": row, "fits": lines <= PDF_PAGE_LINES}


def _union(user: StaffUser, name: str, request: Any) -> Organisation | None:
    """The union asked for (a district reviewer's own by default); None: every union, for the city."""
    name = (name or "").strip()[:120]
    own = user.organisation
    if not name:
        return own if own is not None and own.kind != OrgKind.CITY else None
    union = organisation_or_denial(user=user, request=request, name=name, what="annex5", param="union")
    if union.kind != OrgKind.DISTRICT:
        raise InvalidInput(fields={"union": ["申报表按区县（市）、产业工会出具：请选择区县（市）或产业工会。"]})
    return union


def annex5_sections(*, user: StaffUser, campaign: Campaign, union: Organisation | None) -> list[Section]:
    # A withdrawn declaration was never put forward: the stamped form leaves it out.
    declarations = [d for d in declaration_list(user, campaign=campaign, union=union) if d.status != DeclarationStatus.WITHDRAWN]
    if union is not None:
        return [Section(union, declarations)]
    sections: dict[int, Section] = {}
    for declaration in declarations:  # already in Annex 1 order
        sections.setdefault(declaration.union_id, Section(declaration.union)).declarations.append(declaration)
    return list(sections.values()) or [Section(None)]


def xlsx_sheets(sections: list[Section], *, campaign: Campaign, per_union: bool) -> list[renderers.Sheet]:
    return [
        renderers.Sheet(
            name=section.union.name if per_union and section.union is not None else "申报表",
            label=LABEL,
            title=title(campaign.year),
            unit_line=unit_line(section.union),
            date_line=DATE_LINE,
            columns=COLUMNS,
            rows=section_rows(section, blank_rows=campaign.declaration_limit),
            notes=notes(campaign),
        )
        for section in sections
    ]


def pdf_context(sections: list[Section], *, campaign: Campaign) -> dict[str, Any]:
    return {
        "label": LABEL,
        "title": title(campaign.year),
        "headers": HEADERS,
        "date_line": DATE_LINE,
        "notes": notes(campaign),
        "sections": [
            {
                "unit_line": unit_line(section.union),
                "rows": [pdf_row(row) for row in section_rows(section, blank_rows=campaign.declaration_limit)],
            }
            for section in sections
        ],
        "generated_at": clock.now().astimezone(clock.SHANGHAI),
    }


def annex5_export(
    *, user: StaffUser, union: str = "", year: object = None, file_format: str = "xlsx", request: Any = None
) -> renderers.Generated:
    """Annex 5 of one union in the caller's subtree (404 outside it), or of every union for the city."""
    if user.role not in READ_ROLES:
        raise Forbidden("您的角色不能打印非通用性职业申报表。")
    if file_format not in FORMATS:
        raise InvalidInput(fields={"format": ["格式应为 xlsx 或 pdf。"]})
    campaign = campaign_for_year(year)
    chosen = _union(user, union, request)
    sections = annex5_sections(user=user, campaign=campaign, union=chosen)
    per_union = chosen is None
    if file_format == "xlsx":
        content = renderers.xlsx(xlsx_sheets(sections, campaign=campaign, per_union=per_union))
        content_type = renderers.XLSX_CONTENT_TYPE
    else:
        content = renderers.pdf(TEMPLATE, pdf_context(sections, campaign=campaign))
        content_type = renderers.PDF_CONTENT_TYPE
    audit(
        "report.annex5",
        actor=user,
        request=request,
        obj=chosen,
        object_type="" if chosen is not None else "campaigns.campaign",
        object_id="" if chosen is not None else campaign.pk,
        detail={
            "year": campaign.year,
            "format": file_format,
            "unions": len(sections),
            "rows": sum(len(section.declarations) for section in sections),
        },
    )
    scope = chosen.name if chosen is not None else "各工会"
    return renderers.Generated(
        filename=f"附件5-{campaign.year}年非通用性职业（工种）奖励项目申报表-{scope}.{file_format}",
        ascii_filename=f"annex5-{campaign.year}-{chosen.pk if chosen else 'all'}.{file_format}",
        content_type=content_type,
        content=content,
    )
