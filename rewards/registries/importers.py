"""Importers of the member registry, the HR certificate registry and past rosters.

Each importer validates every row with the field checks, rejects bad rows with their row
number and a Chinese reason, writes good rows in chunks (each chunk one transaction, so a
row is written whole or not at all), and is idempotent: a row whose content is already
stored counts as ``unchanged`` and touches nothing. Memory stays bounded: rows stream from
the file and only one chunk is held at a time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction

from rewards.campaigns.selectors import parse_year
from rewards.core import clock, crypto, validators
from rewards.core.audit import audit
from rewards.core.errors import InvalidInput
from rewards.core.tabular import (
    UnreadableFile,
    cell_text,
    file_sha256,
    is_numeric_cell,
    number_cell_problem,
    open_table,
    scientific_text_problem,
)
from rewards.core.text import certificate_number, clean, fold_width
from rewards.core.vocab import parse_issuer, parse_level
from rewards.organisations.models import Organisation, OrgKind

from .models import AwardStatus, Certificate, ImportKind, ImportRun, Member, PastAward

CHUNK = 2000


@dataclass
class Rejection:
    row: int
    errors: list[str]


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.created + self.updated

    def reject(self, row: int, *errors: str) -> None:
        self.rejected.append(Rejection(row, list(errors)))


def _digest(values: Iterable[Any]) -> str:
    return crypto.blind_index("row", json.dumps(list(values), ensure_ascii=False, default=str))


def _numeric_cell_error(raw: dict[str, Any], column: str, label: str) -> str | None:
    """An ID number held as an Excel number cell, or typed as Excel shows one (3.30106E+17, a CSV
    saved from such a sheet), said as the batch sheet says it (decision 147)."""
    cell = raw.get(column)
    if is_numeric_cell(cell):
        return number_cell_problem(label, cell, long_number=True)
    return scientific_text_problem(label, cell_text(cell)) if isinstance(cell, str) else None


# --- the member registry -----------------------------------------------------------------


class OrgResolver:
    """Finds district/industry unions by name and finds or creates grassroots unions."""

    def __init__(self) -> None:
        self.unions = {org.name_key: org for org in Organisation.objects.filter(kind=OrgKind.DISTRICT)}
        self.grassroots = {org.name_key: org for org in Organisation.objects.filter(kind=OrgKind.GRASSROOTS)}

    def union(self, name: str) -> Organisation | None:
        from rewards.core.text import org_key

        return self.unions.get(org_key(name))

    def grassroots_for(self, name: str, union: Organisation, employer: str) -> tuple[Organisation | None, str | None]:
        from rewards.core.text import org_key

        key = org_key(name)
        existing = self.grassroots.get(key)
        if existing is not None:
            if existing.parent_id != union.pk:
                return None, f"基层工会“{name}”隶属于其他区县（产业）工会，与本行所属工会不符。"
            return existing, None
        unit = Organisation(name=clean(name), kind=OrgKind.GRASSROOTS, parent=union, employer=employer or clean(name).removesuffix("工会"))
        unit.save()
        self.grassroots[key] = unit
        return unit, None


MEMBER_COLUMNS = {"id_number", "name", "phone", "union", "grassroots_union", "employer", "verified"}


def _parse_member(raw: dict[str, Any], orgs: OrgResolver) -> tuple[dict[str, Any] | None, list[str]]:
    errors: list[str] = []
    if numeric := _numeric_cell_error(raw, "id_number", "身份证号码"):
        return None, [numeric]
    id_number, error = validators.check_id_number(raw.get("id_number"))
    if error:
        errors.append(error)
    name, error = validators.check_name(raw.get("name"))
    if error:
        errors.append(error)
    phone = ""
    if cell_text(raw.get("phone")):
        phone_value, error = validators.check_mobile(cell_text(raw.get("phone")))
        if error:
            errors.append(error)
        phone = phone_value or ""
    verified_text = fold_width(cell_text(raw.get("verified"))).lower()
    verified = verified_text in ("1", "是", "true", "yes", "y", "已认证")
    if verified_text not in ("1", "0", "是", "否", "true", "false", "yes", "no", "y", "n", "已认证", "未认证", ""):
        errors.append("verified 列应为 1（已实名认证）或 0。")
    if len(cell_text(raw.get("grassroots_union"))) > 120:  # Organisation.name
        errors.append("基层工会名称过长（最多120个字）。")
    union_name = cell_text(raw.get("union"))
    union = orgs.union(union_name) if union_name else None
    if not union_name:
        errors.append("请填写所属区县市（产业）工会。")
    elif union is None:
        errors.append(f"所属工会“{union_name}”不是市总工会下属的区县（市）或产业工会。")
    if errors:
        return None, errors
    return {
        "id_number": id_number,
        "name": name,
        "phone": phone,
        "union": union,
        "grassroots_name": cell_text(raw.get("grassroots_union")),
        "employer": cell_text(raw.get("employer"))[:200],
        "verified": verified,
    }, []


def _apply_members(rows: list[tuple[int, dict[str, Any]]], report: ImportReport, orgs: OrgResolver) -> None:
    known = dict(orgs.grassroots)
    try:
        _write_members(rows, report, orgs)
    except Exception:
        # The chunk's transaction is rolled back: grassroots unions created in it are gone.
        orgs.grassroots = known
        raise


def _write_members(rows: list[tuple[int, dict[str, Any]]], report: ImportReport, orgs: OrgResolver) -> None:
    hashes = [crypto.blind_index("id", row["id_number"]) for _, row in rows]
    existing = {member.id_hash: member for member in Member.objects.filter(id_hash__in=hashes).only("id", "id_hash", "row_digest")}
    to_create: list[Member] = []
    to_update: list[Member] = []
    for (number, row), id_hash in zip(rows, hashes, strict=True):
        grassroots = None
        if row["grassroots_name"]:
            grassroots, error = orgs.grassroots_for(row["grassroots_name"], row["union"], row["employer"])
            if error:
                report.reject(number, error)
                continue
        digest = _digest(
            [
                row["id_number"],
                row["name"],
                row["phone"],
                row["union"].pk,
                grassroots.pk if grassroots else None,
                row["employer"],
                row["verified"],
            ]
        )
        current = existing.get(id_hash)
        if current is not None and current.row_digest == digest:
            report.unchanged += 1
            continue
        member = Member(
            id_hash=id_hash,
            id_number=row["id_number"],
            name=row["name"],
            phone=row["phone"],
            phone_hash=crypto.blind_index("phone", row["phone"]) if row["phone"] else "",
            union=row["union"],
            grassroots_union=grassroots,
            employer=row["employer"],
            verified=row["verified"],
            row_digest=digest,
        )
        if current is None:
            to_create.append(member)
        else:
            # Updated in place, never deleted and created again: the record's id is what a
            # worker's sign-ins on the audit log name (decision 199), found by the application.
            member.pk = current.pk
            member.updated_at = clock.now()  # bulk_update() does not apply auto_now
            to_update.append(member)
    Member.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        Member.objects.bulk_update(
            to_update,
            ["id_number", "name", "phone", "phone_hash", "union", "grassroots_union", "employer", "verified", "row_digest", "updated_at"],
            batch_size=500,
        )
    report.created += len(to_create)
    report.updated += len(to_update)


# --- the HR certificate registry -----------------------------------------------------------

CERTIFICATE_COLUMNS = {"certificate_no", "id_number", "name", "occupation", "level", "issue_date", "issuer"}


def _parse_certificate(raw: dict[str, Any], today: dt.date) -> tuple[dict[str, Any] | None, list[str]]:
    errors: list[str] = []
    if numeric := _numeric_cell_error(raw, "id_number", "身份证号码"):
        return None, [numeric]
    certificate_no = certificate_number(cell_text(raw.get("certificate_no")))
    if not certificate_no:
        errors.append("请填写证书编号。")
    elif len(certificate_no) > 60:
        errors.append("证书编号过长。")
    id_number, error = validators.check_id_number(raw.get("id_number"))
    if error:
        errors.append(error)
    name, error = validators.check_name(raw.get("name"))
    if error:
        errors.append(error)
    occupation = cell_text(raw.get("occupation"))
    if not occupation:
        errors.append("请填写职业（工种）。")
    level = parse_level(raw.get("level"))
    if level is None:
        errors.append(f"技能等级“{cell_text(raw.get('level'))}”无法识别（应为高级工、技师、高级技师等）。")
    issue_date, error = validators.check_date(raw.get("issue_date"), today=today, label="发证时间")
    if error:
        errors.append(error)
    issuer = parse_issuer(raw.get("issuer"))
    if issuer is None:
        errors.append(f"发证机关“{cell_text(raw.get('issuer'))}”无法识别。")
    if errors:
        return None, errors
    return {
        "certificate_no": certificate_no,
        "id_number": id_number,
        "name": name,
        "occupation": occupation[:100],
        "level": level,
        "issue_date": issue_date,
        "issuer": issuer,
    }, []


def _apply_certificates(rows: list[tuple[int, dict[str, Any]]], report: ImportReport, _: Any) -> None:
    numbers = [row["certificate_no"] for _, row in rows]
    existing = {
        cert.certificate_no: cert
        for cert in Certificate.objects.filter(certificate_no__in=numbers).only("id", "certificate_no", "row_digest")
    }
    to_create, to_update = [], []
    for _, row in rows:
        digest = _digest([row[k] for k in ("certificate_no", "id_number", "name", "occupation", "level", "issue_date", "issuer")])
        current = existing.get(row["certificate_no"])
        if current is not None and current.row_digest == digest:
            report.unchanged += 1
            continue
        cert = Certificate(id_hash=crypto.blind_index("id", row["id_number"]), row_digest=digest, **row)
        if current is None:
            to_create.append(cert)
        else:
            cert.pk = current.pk
            to_update.append(cert)
    Certificate.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        Certificate.objects.bulk_update(
            to_update, ["id_hash", "id_number", "name", "occupation", "level", "issue_date", "issuer", "row_digest"], batch_size=500
        )
    report.created += len(to_create)
    report.updated += len(to_update)


# --- past rosters ----------------------------------------------------------------------------

AWARD_COLUMNS = {"id_number", "name", "level", "amount", "status"}
_STATUS = {"applied": AwardStatus.APPLIED, "已申请": AwardStatus.APPLIED, "paid": AwardStatus.PAID, "已发放": AwardStatus.PAID}


def _parse_award(raw: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    errors: list[str] = []
    if numeric := _numeric_cell_error(raw, "id_number", "身份证号码"):
        return None, [numeric]
    id_number, error = validators.check_id_number(raw.get("id_number"))
    if error:
        errors.append(error)
    name, error = validators.check_name(raw.get("name"))
    if error:
        errors.append(error)
    level = parse_level(raw.get("level"))
    if level is None:
        errors.append(f"技能等级“{cell_text(raw.get('level'))}”无法识别。")
    try:
        amount = Decimal(cell_text(raw.get("amount")).replace(",", "")).quantize(Decimal("0.01"))
        if amount < 0 or amount.adjusted() >= 8:  # the column holds 10 digits, 2 of them decimals
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        amount = None
        errors.append(f"金额“{cell_text(raw.get('amount'))}”不是有效的金额。")
    status = _STATUS.get(fold_width(cell_text(raw.get("status"))).lower())
    if status is None:
        errors.append("状态应为 applied（已申请）或 paid（已发放）。")
    if errors:
        return None, errors
    return {"id_number": id_number, "name": name, "level": level, "amount": amount, "status": status}, []


def _apply_awards(rows: list[tuple[int, dict[str, Any]]], report: ImportReport, year: int) -> None:
    hashes = [crypto.blind_index("id", row["id_number"]) for _, row in rows]
    existing = {
        award.id_hash: award for award in PastAward.objects.filter(year=year, id_hash__in=hashes).only("id", "id_hash", "row_digest")
    }
    to_create, to_update = [], []
    for (_, row), id_hash in zip(rows, hashes, strict=True):
        digest = _digest([year, row["id_number"], row["name"], row["level"], row["amount"], row["status"]])
        current = existing.get(id_hash)
        if current is not None and current.row_digest == digest:
            report.unchanged += 1
            continue
        award = PastAward(year=year, id_hash=id_hash, row_digest=digest, **row)
        if current is None:
            to_create.append(award)
        else:
            award.pk = current.pk
            to_update.append(award)
    PastAward.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        PastAward.objects.bulk_update(to_update, ["id_number", "name", "level", "amount", "status", "row_digest"], batch_size=500)
    report.created += len(to_create)
    report.updated += len(to_update)


# --- the shared driver -------------------------------------------------------------------------


def _run(
    *,
    kind: str,
    path: Path,
    required: set[str],
    parse: Callable[[dict[str, Any]], tuple[dict[str, Any] | None, list[str]]],
    dedupe_key: Callable[[dict[str, Any]], str],
    duplicate_message: str,
    apply: Callable[[list[tuple[int, dict[str, Any]]], ImportReport], None],
    year: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int | None], None] | None = None,
) -> ImportReport:
    path = Path(path)
    table = open_table(path, required=required)
    if on_total:
        on_total(table.total)
    report = ImportReport()
    run = ImportRun.objects.create(kind=kind, year=year, file_name=path.name[:255], file_sha256=file_sha256(path), started_at=clock.now())
    seen: dict[str, int] = {}
    chunk: list[tuple[int, dict[str, Any]]] = []

    def counts() -> tuple[int, int, int, int]:
        return report.created, report.updated, report.unchanged, len(report.rejected)

    def restore(before: tuple[int, int, int, int]) -> None:
        # What a rolled-back transaction counted did not happen.
        report.created, report.updated, report.unchanged = before[:3]
        del report.rejected[before[3] :]

    def flush() -> None:
        if not chunk:
            return
        before = counts()
        try:
            with transaction.atomic():
                apply(chunk, report)
        except IntegrityError:
            restore(before)
            # Another import wrote some of these rows meanwhile: retry row by row.
            for number, row in chunk:
                before = counts()
                try:
                    with transaction.atomic():
                        apply([(number, row)], report)
                except IntegrityError:
                    restore(before)
                    report.reject(number, "该行与已有记录冲突（可能正被另一导入同时写入），请重新导入。")
        chunk.clear()

    for number, raw in table.rows:
        report.total += 1
        if progress:
            progress(1)
        if "__error__" in raw:
            report.reject(number, raw["__error__"])
            continue
        row, errors = parse(raw)
        if row is None:
            report.reject(number, *errors)
            continue
        key = dedupe_key(row)
        if key in seen:
            report.reject(number, duplicate_message.format(row=seen[key]))
            continue
        seen[key] = number
        chunk.append((number, row))
        if len(chunk) >= CHUNK:
            flush()
    flush()

    run.finished_at = clock.now()
    run.total = report.total
    run.created, run.updated, run.unchanged, run.rejected = report.created, report.updated, report.unchanged, len(report.rejected)
    run.save()
    audit(
        f"registry.import_{kind}",
        obj=run,
        actor_label="cli",
        detail={
            "total": report.total,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": len(report.rejected),
            "year": year,
        },
    )
    return report


def import_members(path: str | Path, **hooks: Any) -> ImportReport:
    orgs = OrgResolver()
    return _run(
        kind=ImportKind.MEMBERS,
        path=Path(path),
        required=MEMBER_COLUMNS,
        parse=lambda raw: _parse_member(raw, orgs),
        dedupe_key=lambda row: row["id_number"],
        duplicate_message="该身份证号码在本文件第 {row} 行已出现，本行未导入。",
        apply=lambda rows, report: _apply_members(rows, report, orgs),
        **hooks,
    )


def import_certificates(path: str | Path, **hooks: Any) -> ImportReport:
    today = clock.today()
    return _run(
        kind=ImportKind.CERTIFICATES,
        path=Path(path),
        required=CERTIFICATE_COLUMNS,
        parse=lambda raw: _parse_certificate(raw, today),
        dedupe_key=lambda row: row["certificate_no"],
        duplicate_message="该证书编号在本文件第 {row} 行已出现，本行未导入。",
        apply=lambda rows, report: _apply_certificates(rows, report, None),
        **hooks,
    )


def import_awards(path: str | Path, *, year: int | str, **hooks: Any) -> ImportReport:
    """A past campaign's roster of ``year``: four digits (the one check of a year, decision 268),
    refused with InvalidInput before the file is read, never stored under year 20201 or -5."""
    number = parse_year(year)
    if number is None:
        raise InvalidInput(fields={"year": ["请指定名单所属年度（四位数字，例如 2019）。"]})
    return _run(
        kind=ImportKind.AWARDS,
        path=Path(path),
        required=AWARD_COLUMNS,
        parse=_parse_award,
        dedupe_key=lambda row: row["id_number"],
        duplicate_message="该身份证号码在本文件第 {row} 行已出现，本行未导入。",
        apply=lambda rows, report: _apply_awards(rows, report, number),
        year=number,
        **hooks,
    )


__all__ = ["ImportReport", "UnreadableFile", "import_awards", "import_certificates", "import_members"]
