"""批量导入工作人员账号 (``manage.py import_staff FILE``): the accounts of the district/industry
unions' reviewers and the grassroots unions' clerks from one sheet, as ``create_staff`` makes one.

The sheet (CSV in UTF-8 or GB18030, or xlsx, read as the registry imports read theirs) has the
columns 用户名, 姓名, 角色 (a role's Chinese label or its code) and 所属组织 (a unit's name, either
bracket width, as ``create_staff --org`` finds it). The whole file is checked first and written
whole or not at all: one bad row and no account is created (every bad row is reported with its
row number and a Chinese reason). It can be run again: an account that exists with the row's
role and organisation is counted unchanged and not touched; one that exists otherwise is a bad
row (an existing account's role or organisation never changes here: that is a role grant, with
its second administrator, in the administration).

Each new account gets a password drawn here (:func:`new_password`), temporary as one set by an
administrator is (``temporary_password_until``: the holder reaches only the password change and
it stops working after ``STAFF_TEMPORARY_PASSWORD_HOURS``, or the 1 to 168 hours the operator
gives for this run: ``--valid-hours``); a role of ``STAFF_MFA_ROLES`` binds
its authenticator at the first sign-in as usual. The passwords go only to the file the operator
names (:func:`open_passwords_file`, mode 0600, never an existing one), never to the output, the
log or the audit. The operator on the server is trusted as with ``create_staff``: no second
administrator confirms these accounts. Each is audited ``staff.create`` (by 命令行, with the file's
SHA-256), and the run once more ``staff.import``.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction

from rewards.core import clock, validators
from rewards.core.audit import audit
from rewards.core.errors import Conflict, InvalidInput
from rewards.core.tabular import FORMULA_MESSAGE, cell_text, file_sha256, open_table, spreadsheet_text, starts_like_a_formula
from rewards.core.text import fold_width, org_key
from rewards.identity.hashers import SECOND_PART_ALPHABET

from .models import Organisation, Role, StaffUser
from .resets import audit_minute, temporary_until
from .selectors import organisation_by_name
from .services import role_org_problem

USERNAME, FULL_NAME, ROLE, ORGANISATION = "用户名", "姓名", "角色", "所属组织"
COLUMNS = (USERNAME, FULL_NAME, ROLE, ORGANISATION)
#: The passwords file's columns: each line says until when its password may be used (Beijing time).
PASSWORDS_HEADER = (USERNAME, FULL_NAME, ROLE, ORGANISATION, "初始密码", "有效期至")
#: How long the first passwords of an import may hold (``--valid-hours``): an hour at least, a week
#: at most (a district whose accounts are handed on over several days); by default as any reset's.
VALID_HOURS_MIN, VALID_HOURS_MAX = 1, 168

#: The password drawn for a new account: four groups of four characters of an alphabet without
#: look-alikes (no 0/o, 1/l/i, no capitals), read off a sheet and typed without doubt: about 79
#: bits, beside five tries per 15 minutes (SECURITY.md 7). ``k7mq-3xhp-a9tw-bc4e``.
PASSWORD_ALPHABET = SECOND_PART_ALPHABET
PASSWORD_GROUPS = 4
PASSWORD_GROUP_LENGTH = 4

USERNAME_MAX = StaffUser._meta.get_field("username").max_length or 150
_username_rule = UnicodeUsernameValidator()
#: A role as the sheet may give it: its label or its code, widths and spaces folded.
_ROLES = {
    **{fold_width(str(role.label)).replace(" ", ""): role.value for role in Role},
    **{role.value: role.value for role in Role},
}


@dataclass(frozen=True)
class StaffRow:
    row: int
    username: str
    full_name: str
    role: str
    organisation: Organisation

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


@dataclass(frozen=True)
class RowProblem:
    row: int
    errors: list[str]


@dataclass
class StaffImportPlan:
    """What the file asks for, checked: created only when ``rejected`` is empty."""

    file_name: str
    sha256: str
    total: int = 0
    to_create: list[StaffRow] = field(default_factory=list)
    #: Rows whose account exists with that role and organisation, with the account.
    unchanged: list[tuple[StaffRow, StaffUser]] = field(default_factory=list)
    rejected: list[RowProblem] = field(default_factory=list)

    def reject(self, row: int, *errors: str) -> None:
        self.rejected.append(RowProblem(row, list(errors)))


@dataclass(frozen=True)
class ImportedStaff:
    created: list[StaffUser]
    valid_until: dt.datetime


def role_of(value: Any) -> str | None:
    """A role's code from a cell holding its label (基层工会经办人) or its code."""
    text = fold_width(cell_text(value)).replace(" ", "")
    return _ROLES.get(text) or _ROLES.get(text.lower())


def _username_problem(username: str) -> str | None:
    """The rules of the administration's add form (Django's user name field): up to 150
    characters of letters, digits and @ . + - _; and, since the passwords file opens in Excel,
    not starting as a formula does."""
    if not username:
        return "请填写用户名。"
    if len(username) > USERNAME_MAX:
        return f"用户名过长（最多{USERNAME_MAX}个字符）。"
    try:
        _username_rule(username)
    except ValidationError:
        return f"用户名“{username}”只能包含字母、数字和 @ . + - _ 这几个符号，不能有空格。"
    if starts_like_a_formula(username):
        return f"用户名{FORMULA_MESSAGE}"
    return None


def _existing_problem(row: StaffRow, account: StaffUser) -> str:
    held = f"{account.role_label or '无角色'}，{account.organisation or '无所属组织'}"
    return (
        f"用户名“{row.username}”已有账号（{held}），与本行的{row.role_label}、{row.organisation}不同："
        "本命令不修改已有账号的角色或所属组织（请在管理后台提出角色授权，或为本行另取用户名）。"
    )


class _Organisations:
    """Units by name, each looked up once."""

    def __init__(self) -> None:
        self.known: dict[str, Organisation | None] = {}

    def get(self, name: str) -> Organisation | None:
        key = org_key(name)
        if key not in self.known:
            self.known[key] = organisation_by_name(name)
        return self.known[key]


def _parse(raw: dict[str, Any], number: int, organisations: _Organisations) -> tuple[StaffRow | None, list[str]]:
    errors: list[str] = []
    username = StaffUser.normalize_username(cell_text(raw.get(USERNAME)))  # NFKC, as the add form does
    if problem := _username_problem(username):
        errors.append(problem)
    full_name, problem = validators.check_name(raw.get(FULL_NAME))
    if problem:
        errors.append(problem)
    role_text = cell_text(raw.get(ROLE))
    role = role_of(role_text)
    if not role_text:
        errors.append("请填写角色。")
    elif role is None:
        labels = "、".join(str(item.label) for item in Role)
        errors.append(f"角色“{role_text}”无法识别：应为{labels}之一（或其代码，如 {Role.GRASSROOTS_CLERK.value}）。")
    org_name = cell_text(raw.get(ORGANISATION))
    organisation = organisations.get(org_name) if org_name else None
    if not org_name:
        errors.append("请填写所属组织。")
    elif organisation is None:
        errors.append(f"没有名为“{org_name}”的组织（基层工会由会员名册导入 import_members 建立，请先导入或核对名称）。")
    if role and organisation is not None and (problem := role_org_problem(role, organisation)):
        errors.append(problem)
    if errors:
        return None, errors
    assert role is not None and organisation is not None and full_name is not None
    return StaffRow(number, username, full_name, role, organisation), []


def _accounts_named(username: str) -> list[StaffUser]:
    """The accounts whose user name is this one, whatever its case (as the add form refuses one)."""
    return list(StaffUser.objects.filter(username__iexact=username).select_related("organisation"))


def plan_staff_import(path: str | Path, *, progress: Callable[[int], None] | None = None) -> StaffImportPlan:
    """Reads and checks every row; writes nothing. Raises :class:`UnreadableFile`."""
    path = Path(path)
    table = open_table(path, required=set(COLUMNS))
    plan = StaffImportPlan(file_name=path.name, sha256=file_sha256(path))
    organisations = _Organisations()
    seen: dict[str, int] = {}
    for number, raw in table.rows:
        plan.total += 1
        if progress:
            progress(1)
        if "__error__" in raw:
            plan.reject(number, raw["__error__"])
            continue
        row, errors = _parse(raw, number, organisations)
        if row is None:
            plan.reject(number, *errors)
            continue
        key = row.username.casefold()
        if key in seen:
            plan.reject(number, f"用户名“{row.username}”在本文件第 {seen[key]} 行已出现（不区分大小写），每个账号只能有一行。")
            continue
        seen[key] = number
        named = _accounts_named(row.username)
        same = next((account for account in named if account.username == row.username), None)
        if same is not None:
            if same.role == row.role and same.organisation_id == row.organisation.pk:
                plan.unchanged.append((row, same))
            else:
                plan.reject(number, _existing_problem(row, same))
        elif named:
            plan.reject(number, f"用户名“{row.username}”与已有账号“{named[0].username}”只差大小写，容易混淆，请另取用户名。")
        else:
            plan.to_create.append(row)
    return plan


def valid_hours_problem(hours: int) -> str | None:
    """Why ``hours`` cannot be the first passwords' validity, in Chinese; ``None`` when it can."""
    if not VALID_HOURS_MIN <= hours <= VALID_HOURS_MAX:
        return f"初始密码的有效时长须在 {VALID_HOURS_MIN} 至 {VALID_HOURS_MAX} 小时之间（{VALID_HOURS_MAX} 小时即 7 天），不能是 {hours} 小时。"
    return None


def shown_time(moment: dt.datetime) -> str:
    """A time as the operator reads it: Beijing time, to the minute (2020-10-16 09:30)."""
    return moment.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")


def new_password(user: StaffUser | None = None) -> str:
    """A password for a new account that passes Django's validators (for that account)."""
    while True:
        groups = ("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH)) for _ in range(PASSWORD_GROUPS))
        password = "-".join(groups)
        try:
            validate_password(password, user)
        except ValidationError:  # all digits, or like the user name: draw again
            continue
        return password


def open_passwords_file(path: str | Path) -> IO[str]:
    """The passwords file, new, readable by its owner only (0600 whatever the umask). Raises
    :class:`FileExistsError` when something is there (a symbolic link too) and other
    :class:`OSError` as the system says."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.fchmod(fd, 0o600)
        # UTF-8 with a byte-order mark: Excel on a Chinese Windows opens it as UTF-8, not GB18030.
        return os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
    except BaseException:
        os.close(fd)
        raise


def write_passwords(handle: IO[str], accounts: Iterable[tuple[StaffRow, str]], valid_until: dt.datetime) -> None:
    """The sheet the operator hands on, a line an account with the moment its password lapses;
    written through to the disk."""
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(PASSWORDS_HEADER)
    until = shown_time(valid_until)
    for row, password in accounts:
        cells = (row.username, row.full_name, row.role_label, row.organisation.name, password, until)
        writer.writerow([spreadsheet_text(cell) for cell in cells])
    handle.flush()
    os.fsync(handle.fileno())


def create_staff_accounts(
    plan: StaffImportPlan,
    *,
    deliver: Callable[[list[tuple[StaffRow, str]], dt.datetime], None] | None,
    valid_hours: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportedStaff:
    """Creates the plan's new accounts, each with a temporary password drawn here, in one
    transaction; ``deliver`` gets the passwords and the moment they lapse inside it (a failure
    there creates nothing). ``valid_hours``: how long they hold (:data:`VALID_HOURS_MIN` to
    :data:`VALID_HOURS_MAX`; by default ``STAFF_TEMPORARY_PASSWORD_HOURS``, as a reset's).
    The passwords are hashed before the transaction opens (Argon2 takes its time). A run that
    creates nothing is audited all the same (``staff.import``), as a registry import is."""
    if valid_hours is not None and (problem := valid_hours_problem(valid_hours)):
        raise InvalidInput(problem, fields={"valid_hours": [problem]})
    if plan.rejected:
        raise Conflict("文件中有问题行，未创建任何账号。")
    if plan.to_create and deliver is None:
        raise Conflict("新账号的初始密码须写入文件，未创建任何账号。")
    drawn: list[tuple[StaffRow, str, str]] = []
    for row in plan.to_create:
        password = new_password(StaffUser(username=row.username, full_name=row.full_name))
        drawn.append((row, password, make_password(password)))
        if progress:
            progress(1)
    valid_until = temporary_until() if valid_hours is None else clock.now() + dt.timedelta(hours=valid_hours)
    created: list[StaffUser] = []
    with transaction.atomic():
        for row, _, hashed in drawn:
            if StaffUser.objects.filter(username__iexact=row.username).exists():
                raise Conflict(f"用户名“{row.username}”在检查之后被占用（可能有人同时创建了账号）：未创建任何账号，请重新运行。")
            account = StaffUser(
                username=row.username,
                full_name=row.full_name,
                role=row.role,
                organisation=row.organisation,
                is_staff=row.role == Role.ADMIN,
                is_superuser=row.role == Role.ADMIN,
                password=hashed,
                temporary_password_until=valid_until,
            )
            account.save()
            audit(
                "staff.create",
                obj=account,
                actor_label="cli",
                detail={
                    "role": row.role,
                    "organisation_id": row.organisation.pk,
                    "channel": "cli",
                    "sha256": plan.sha256,
                    "temporary_until": audit_minute(valid_until),
                },
            )
            created.append(account)
        audit(
            "staff.import",
            actor_label="cli",
            detail={
                "channel": "cli",
                "sha256": plan.sha256,
                "total": plan.total,
                "created": len(created),
                "unchanged": len(plan.unchanged),
                **({"valid_hours": valid_hours} if valid_hours is not None else {}),
            },
        )
        if drawn and deliver is not None:
            deliver([(row, password) for row, password, _ in drawn], valid_until)
    return ImportedStaff(created=created, valid_until=valid_until)
