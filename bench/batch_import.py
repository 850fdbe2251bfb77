"""Batch import benchmarks (单位统一申报): ``manage.py import_batch`` of large sheets, server stopped.

Three imports by the clerk of a grassroots union made for the run: 10 000 rows, 100 000 rows
(no materials; every row goes through the field checks and every rule, and is saved with its
history, signals and SMS), then 1 000 rows with their 3 000 materials in a zip. Every row is
valid, so every row must be saved: a rejected row makes the figures INVALID.

The harness runs this module's commands as children of the workspace:

``python -m bench.batch_import registry OUT_DIR`` creates the union and its clerk and writes
the people of the three sheets into the member registry (verified, in 西湖区总工会, employed by
the union's employer) and their certificates into the HR registry (so no row raises a signal),
with :class:`bench.dataset.FastInsert`.

``python -m bench.batch_import files OUT_DIR`` writes the sheets (the first rows of
``sheet.template()`` — title, 填报单位, header, example row — then the rows, as text cells, with
openpyxl's write-only mode) and the zip of small real JPEGs (Pillow). It needs no database
and runs while ``registry`` writes.

``python -m bench.batch_import count --org NAME`` prints what the union's imports saved.

The people are a function of their index (no random collisions with anybody else's): ID
numbers of area 330183 (no other generator uses it), mobiles 166xxxxxxxx, cards of BIN 621226.
Each command prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import re
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .context import Context
from .report import Row, Target
from .workspace import PYTHON, ROOT, ChildRun

#: The grassroots union (under 西湖区总工会) whose clerk imports the sheets.
DISTRICT = "西湖区总工会"
ORG_NAME = "杭州基准批量申报有限公司工会"
EMPLOYER = ORG_NAME.removesuffix("工会")
CLERK = "bench.batch.clerk"
YEAR = 2020
SEED = 20_201_015
AREA = "330183"
KINDS = ("id_card", "certificate", "bank_card")
#: JPEGs drawn once and reused across the zip (drawing 3 000 would take longer than the import).
JPEG_POOL = 12

SECONDS_SMALL = Target("≤", 10)
SECONDS_LARGE = Target("≤", 100)
MEMORY_TARGET = Target("≤", 300)
CPU_SHARE_EXPECTED = 0.85


@dataclass(frozen=True)
class SheetSpec:
    """One benchmarked file: its rows are the people ``first`` … ``first + rows - 1``."""

    key: str
    rows: int
    first: int
    materials: bool = False

    @property
    def sheet(self) -> str:
        return f"batch-{self.key}.xlsx"

    @property
    def archive(self) -> str:
        return f"batch-{self.key}-materials.zip"


SHEETS = (
    SheetSpec("10000", 10_000, 0),
    SheetSpec("100000", 100_000, 10_000),
    SheetSpec("1000-zip", 1_000, 110_000, materials=True),
)
PEOPLE = sum(spec.rows for spec in SHEETS)

# --- the people -------------------------------------------------------------------------------

LEVELS = (("senior_worker", "高级工", 0.6), ("technician", "技师", 0.3), ("senior_technician", "高级技师", 0.1))
ISSUERS = (("hr_hangzhou", "杭州市人社部门"), ("hr_zhejiang", "浙江省人社部门"), ("hr_district", "区县（市）人社部门"))
BORN_FROM = dt.date(1968, 1, 1)
BORN_DAYS = 10_950  # thirty years of birthdays
ISSUED_FROM, ISSUED_TO = dt.date(2019, 12, 1), dt.date(2020, 10, 10)


def people(count: int = PEOPLE, seed: int = SEED) -> list[dict[str, Any]]:
    """The sheet rows of people 0 … count - 1 (field → text), plus ``_level`` and ``_issuer`` codes
    and the ``_issued`` date for the registries. The same seed gives the same people."""
    from stdnum import luhn
    from stdnum.cn import ric

    from rewards.demo import synthetic

    rng = random.Random(seed)
    found = []
    for index in range(count):
        block, day = divmod(index, BORN_DAYS)
        birth = BORN_FROM + dt.timedelta(days=day)
        body = f"{AREA}{birth:%Y%m%d}{2 * block + rng.randrange(2):03d}"
        id_number = body + ric.calc_check_digit(body + "0")
        male = int(id_number[16]) % 2 == 1
        card_body = f"621226{index:012d}"
        point, level, level_label = rng.random(), "", ""
        total = 0.0
        for code, label, share in LEVELS:
            total += share
            level, level_label = code, label
            if point < total:
                break
        issuer, issuer_label = ISSUERS[index % len(ISSUERS)]
        issued = synthetic.day_between(rng, ISSUED_FROM, ISSUED_TO)
        migrant = index % 5 == 0
        promoted = index % 4 == 0 and level == "senior_worker"
        found.append(
            {
                "seq": "",
                "name": synthetic.person_name(rng),
                "gender": "男" if male else "女",
                "employer": EMPLOYER,
                "id_number": id_number,
                "occupation": rng.choice(synthetic.OCCUPATIONS),
                "new_level": level_label,
                "certificate_no": f"PB{YEAR}{index:08d}",
                "phone": f"166{index:08d}",
                "bank_card_no": card_body + luhn.calc_check_digit(card_body),
                "bank_branch": rng.choice(synthetic.BANK_BRANCHES),
                "education": rng.choice(synthetic.EDUCATION),
                "previous_level": "中级工" if promoted else "",
                "previous_level_date": "2016-06-30" if promoted else "",
                "certificate_issue_date": issued.isoformat(),
                "issuer": issuer_label,
                "is_migrant": "是" if migrant else "否",
                "hukou_place": "安徽省安庆市" if migrant else "",
                "years_in_hangzhou": str(rng.randrange(1, 20)) if migrant else "",
                "_level": level,
                "_issuer": issuer,
                "_issued": issued,
            }
        )
    return found


# --- children: registry, files, count ---------------------------------------------------------


def complete(model: Any, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with every column of ``model`` it lacks set to the field's default, so that a
    field added to the model later does not break the fast insert (extra keys are ignored)."""
    for field in model._meta.concrete_fields:
        if field.attname not in values:
            values[field.attname] = field.get_default()
    return values


def _setup() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    import django

    django.setup()


def registry(out_dir: Path, *, password: str) -> dict[str, Any]:
    """The union, its clerk, and every person of the sheets in the member and HR registries."""
    from django.db import transaction

    from rewards.core import clock, crypto, validators
    from rewards.organisations.models import OrgKind, Role, StaffUser
    from rewards.organisations.selectors import organisation_by_name
    from rewards.organisations.services import organisation_ensure, staff_create
    from rewards.registries.models import Certificate, Member

    from .dataset import FastInsert, _next_id

    started = time.perf_counter()
    district = organisation_by_name(DISTRICT, kind=OrgKind.DISTRICT)
    if district is None:
        raise RuntimeError(f"{DISTRICT} is missing: run seed_demo first")
    org, _ = organisation_ensure(name=ORG_NAME, kind=OrgKind.GRASSROOTS, parent=district, employer=EMPLOYER)
    if not StaffUser.objects.filter(username=CLERK).exists():
        staff_create(username=CLERK, role=Role.GRASSROOTS_CLERK, organisation=org, password=password, full_name="基准测试 工会经办")
    rows = people()
    for prefix in {row["phone"][:5] for row in rows}:
        assert validators.check_mobile(prefix + "000000")[1] is None, prefix
    hashes = [crypto.blind_index("id", row["id_number"]) for row in rows]
    taken = set(Member.objects.filter(id_hash__in=hashes).values_list("id_hash", flat=True))
    if len(taken) == len(hashes) and Member.objects.filter(id_hash__in=hashes[:1], grassroots_union=org).exists():
        # A kept workspace (--keep) prepared before: the same people, already written.
        return {"org": org.name, "org_id": org.pk, "clerk": CLERK, "members": 0, "seconds": round(time.perf_counter() - started, 1)}
    if taken:
        raise RuntimeError(f"{len(taken)} of the batch people are already in the member registry")
    now = clock.now()
    members, certificates = FastInsert(Member), FastInsert(Certificate)
    member_id, certificate_id = _next_id(Member), _next_id(Certificate)
    with transaction.atomic():
        for index, (row, id_hash) in enumerate(zip(rows, hashes, strict=True)):
            members.add(
                complete(
                    Member,
                    {
                        "id": member_id + index,
                        "id_hash": id_hash,
                        "id_number": row["id_number"],
                        "name": row["name"],
                        "phone_hash": crypto.blind_index("phone", row["phone"]),
                        "phone": row["phone"],
                        "union_id": district.pk,
                        "grassroots_union_id": org.pk,
                        "employer": EMPLOYER,
                        "verified": True,
                        "row_digest": f"bench-batch-{index}",
                        "updated_at": now,
                    },
                )
            )
            certificates.add(
                complete(
                    Certificate,
                    {
                        "id": certificate_id + index,
                        "certificate_no": row["certificate_no"],
                        "id_hash": id_hash,
                        "id_number": row["id_number"],
                        "name": row["name"],
                        "occupation": row["occupation"],
                        "level": row["_level"],
                        "issue_date": row["_issued"],
                        "issuer": row["_issuer"],
                        "row_digest": f"bench-batch-{index}",
                    },
                )
            )
            if len(members.rows) >= 2000:
                members.flush()
                certificates.flush()
        members.flush()
        certificates.flush()
    sample = Member.objects.get(id_hash=hashes[-1])
    assert crypto.blind_index("id", sample.id_number) == sample.id_hash
    return {"org": org.name, "org_id": org.pk, "clerk": CLERK, "members": len(rows), "seconds": round(time.perf_counter() - started, 1)}


def _template_head() -> list[list[Any]]:
    """The rows above the data of the downloadable template: title, 填报单位, header, example."""
    from openpyxl import load_workbook

    from rewards.batches.sheet import COLUMNS, template

    sheet = load_workbook(io.BytesIO(template(year=YEAR, org_name=ORG_NAME)), read_only=True).active
    head = [[cell for cell in row] for row in sheet.iter_rows(min_row=1, max_row=4, values_only=True)]
    assert list(head[2][: len(COLUMNS)]) == [header for _, header in COLUMNS], head[2]
    assert head[3][0] == "示例", head[3]
    return head


def write_sheet(path: Path, rows: list[dict[str, Any]]) -> None:
    """The template's head and ``rows`` below it, every cell text (as a clerk fills the template),
    empty cells left out; openpyxl write-only mode."""
    from openpyxl import Workbook

    from rewards.batches.sheet import COLUMNS

    fields = [name for name, _ in COLUMNS]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("汇总表")
    for line in _template_head():
        sheet.append(line)
    for number, row in enumerate(rows, start=1):
        sheet.append([str(number) if name == "seq" else (row[name] or None) for name in fields])
    workbook.save(path)


def jpegs(count: int = JPEG_POOL, seed: int = SEED) -> list[bytes]:
    """Photos of a paper document, about 50 KB each: a frame and lines on a noisy, tinted page."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    found = []
    for _ in range(count):
        width, height = 800, 520
        noise = Image.effect_noise((width, height), 18).convert("RGB")
        page = Image.blend(noise, Image.new("RGB", (width, height), (240 - rng.randrange(30), 236, 228 - rng.randrange(30))), 0.75)
        draw = ImageDraw.Draw(page)
        colour = (rng.randrange(40, 180), rng.randrange(40, 140), rng.randrange(40, 180))
        draw.rectangle((24, 24, width - 24, height - 24), outline=colour, width=6)
        for y in range(90, height - 60, 34):
            start = 60 + rng.randrange(40)
            draw.line((start, y, width - 60 - rng.randrange(200), y), fill=colour, width=3 + rng.randrange(3))
        buffer = io.BytesIO()
        page.save(buffer, "JPEG", quality=70)
        found.append(buffer.getvalue())
    return found


def write_materials(path: Path, rows: list[dict[str, Any]]) -> dict[str, int]:
    """``<ID>_<kind>.jpg`` for each of the three materials of every row (stored: JPEG does not shrink)."""
    pool = jpegs()
    total = files = 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for index, row in enumerate(rows):
            for offset, kind in enumerate(KINDS):
                content = pool[(3 * index + offset) % len(pool)]
                archive.writestr(f"{row['id_number']}_{kind}.jpg", content)
                total += len(content)
                files += 1
    return {"files": files, "bytes": total, "jpeg_kb": [len(item) // 1024 for item in pool]}


def files(out_dir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    rows = people()
    written: dict[str, Any] = {}
    for spec in SHEETS:
        part = rows[spec.first : spec.first + spec.rows]
        begun = time.perf_counter()
        write_sheet(out_dir / spec.sheet, part)
        written[spec.sheet] = {
            "rows": spec.rows,
            "bytes": (out_dir / spec.sheet).stat().st_size,
            "seconds": round(time.perf_counter() - begun, 1),
        }
        if spec.materials:
            written[spec.archive] = write_materials(out_dir / spec.archive, part)
    return {"files": written, "seconds": round(time.perf_counter() - started, 1)}


def count(org_name: str) -> dict[str, Any]:
    from django.db.models import Count

    from rewards.applications.models import Application, Attachment, Flag
    from rewards.campaigns.selectors import require_current_campaign
    from rewards.organisations.selectors import organisation_by_name

    org = organisation_by_name(org_name)
    if org is None:
        return {"applications": 0}
    saved = Application.objects.filter(campaign=require_current_campaign(), submitting_org=org, channel="batch")
    return {
        "applications": saved.count(),
        "by_status": dict(saved.values_list("status").annotate(n=Count("pk")).values_list("status", "n")),
        "attachments": Attachment.objects.filter(application__in=saved).count(),
        "flags": Flag.objects.filter(application__in=saved).count(),
    }


# --- the benchmark ------------------------------------------------------------------------------

_REPORT = re.compile(r"共 (\d+) 行，新增 (\d+)，已存在 (\d+)，.*?有问题 (\d+)。")


def say(message: str) -> None:
    """Progress on stderr: through ``bench.run``'s own ``say`` (its clock) when it is the program
    (importing ``bench.run`` here would load a second copy of it, with another clock)."""
    harness = getattr(sys.modules.get("__main__"), "say", None)
    if callable(harness):
        harness(message)
    else:
        print(f"[bench] {message}", file=sys.stderr, flush=True)


def _waited(run: ChildRun) -> bool:
    return run.cpu_seconds < CPU_SHARE_EXPECTED * run.seconds


def _timing(run: ChildRun) -> str:
    text = f"wall {run.seconds:.1f} s, CPU {run.cpu_seconds:.1f} s (user+system), peak memory {run.max_rss_mib:.0f} MB"
    return text + (" — it waited, for CPUs that other processes held or for the disk" if _waited(run) else "")


def _json(run: ChildRun) -> dict[str, Any]:
    return json.loads(run.stdout.strip().splitlines()[-1])


def prepare(ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
    """The registries (a child writing the database) and the files (another child, at the same time)."""
    import subprocess

    workspace = ctx.workspace
    folder = ctx.data_dir / "bench-batch"
    folder.mkdir(exist_ok=True)
    out, err = folder / "files.out", folder / "files.err"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        writer = subprocess.Popen(
            [PYTHON, "-m", "bench.batch_import", "files", str(folder)],
            cwd=ROOT,
            env=workspace.env(),
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
        )
        try:
            written = _json(workspace.python_module("bench.batch_import", "registry", str(folder)))
        finally:
            code = writer.wait()
    if code != 0:
        raise RuntimeError(f"bench.batch_import files exited with {code}:\n{err.read_text(encoding='utf-8', errors='replace')[-4000:]}")
    made = json.loads(out.read_text(encoding="utf-8").strip().splitlines()[-1])
    return written, made


def batch_import(ctx: Context) -> list[Row]:
    """``manage.py import_batch`` of 10 000 rows, 100 000 rows, and 1 000 rows with their zip."""
    folder = ctx.data_dir / "bench-batch"
    registry_done, files_done = prepare(ctx)
    say(
        f"  {registry_done['members']} members and certificates in {registry_done['seconds']} s; "
        f"sheets and zip in {files_done['seconds']} s"
    )
    rows: list[Row] = []
    saved_before = 0
    for spec in SHEETS:
        args = ["import_batch", str(folder / spec.sheet), "--user", CLERK, "--no-progress"]
        if spec.materials:
            args += ["--attachments", str(folder / spec.archive)]
        say(f"  import_batch {spec.rows:,} rows" + (" with 3 materials each" if spec.materials else ""))
        run = ctx.workspace.manage(*args, check=False)
        invalid: list[str] = []
        notes: list[str] = []
        match = _REPORT.search(run.stdout)
        if run.returncode != 0:
            invalid.append(f"import_batch exited with {run.returncode}: {(run.stderr or run.stdout)[-600:]}")
        elif not match:
            invalid.append(f"import_batch printed no report: {run.stdout[-600:]}")
        else:
            total, accepted, unchanged, refused = map(int, match.groups())
            notes.append(f"{total} rows: {accepted} saved, {unchanged} already there, {refused} refused")
            if total != spec.rows or accepted != spec.rows or refused:
                first = [line.strip() for line in run.stdout.splitlines() if line.strip().startswith("第 ")][:3]
                invalid.append(
                    f"expected {spec.rows} rows saved, got {total} rows, {accepted} saved, {refused} refused: " + " / ".join(first)
                )
        counted = _json(ctx.workspace.python_module("bench.batch_import", "count", "--org", ORG_NAME))
        expected = saved_before + spec.rows
        if counted["applications"] != expected:
            invalid.append(f"the database holds {counted['applications']} applications of the union, expected {expected}")
        if spec.materials:
            notes.append(
                f"{counted['attachments']} materials stored in all ({files_done['files'][spec.archive]['bytes'] / 1e6:.0f} MB zip)"
            )
            if counted["attachments"] != 3 * spec.rows:
                invalid.append(f"{counted['attachments']} materials stored, expected {3 * spec.rows}")
        saved_before = counted["applications"]
        if invalid:
            for reason in invalid:
                say(f"  INVALID: {reason}")
        notes.append(_timing(run))
        label = f"import_batch {spec.rows:,} rows" + (f" + {3 * spec.rows:,} materials (zip)" if spec.materials else "")
        target = SECONDS_LARGE if spec.rows >= 100_000 else SECONDS_SMALL
        rows.append(Row(label, run.seconds, "s", target=target, invalid=invalid, notes=notes, busy=_waited(run)))
        if not spec.materials:
            rows.append(Row(f"{label} peak memory", run.max_rss_mib, "MB", target=MEMORY_TARGET, invalid=list(invalid)))
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.batch_import", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    for name in ("registry", "files"):
        sub.add_parser(name).add_argument("out_dir", type=Path)
    sub.add_parser("count").add_argument("--org", default=ORG_NAME)
    args = parser.parse_args(argv)
    _setup()
    if args.what == "registry":
        import secrets

        result = registry(args.out_dir, password="Bench-" + secrets.token_urlsafe(12))
    elif args.what == "files":
        result = files(args.out_dir)
    else:
        result = count(args.org)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
