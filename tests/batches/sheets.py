"""Building batch sheets and material zips the way a clerk would fill the template."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook

from rewards.batches.sheet import COLUMNS, template

from ..api.helpers import jpeg


def sheet(rows: list[dict], *, org_name: str = "杭州西湖精密机械有限公司工会", year: int = 2020) -> bytes:
    """The downloaded template with ``rows`` filled in below its example row (as text cells)."""
    workbook = load_workbook(io.BytesIO(template(year=year, org_name=org_name)))
    ws = workbook.active
    for offset, row in enumerate(rows):
        for index, (field, _) in enumerate(COLUMNS, start=1):
            value = row.get(field, "")
            cell = ws.cell(row=5 + offset, column=index, value=value)
            if isinstance(value, str):
                cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row_for(member, **overrides) -> dict:  # type: ignore[no-untyped-def]
    from .. import factories

    form = factories.annex3(member)
    data = {
        "seq": "1",
        "name": member.name,
        "gender": "",
        "employer": "杭州西湖精密机械有限公司",
        "id_number": member.id_number,
        "occupation": form["occupation"],
        "new_level": "高级工",
        "certificate_no": form["certificate_no"],
        "phone": member.phone,
        "bank_card_no": form["bank_card_no"],
        "bank_branch": form["bank_branch"],
        "education": "高中",
        "certificate_issue_date": "2020-06-30",
        "issuer": "杭州市人社部门",
        "is_migrant": "否",
    }
    data.update(overrides)
    return data


def materials_zip(id_numbers: list[str], *, leave_out: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in id_numbers:
            for kind in ("id_card", "certificate", "bank_card"):
                if leave_out and leave_out.get(number) == kind:
                    continue
                archive.writestr(f"{number}_{kind}.jpg", jpeg().read())
    return buffer.getvalue()
