"""A password given to an operator's command: typed twice on a terminal, as ``createsuperuser``
does (shown nowhere: not in the shell's history or the process list, as ``--password`` and
``STAFF_PASSWORD=…`` on a command line are), or from the environment variable ``STAFF_PASSWORD``
for a script; checked by Django's validators before anything is written."""

from __future__ import annotations

import getpass
import os
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from rewards.organisations.models import StaffUser


def given_password(given: str | None, *, not_done: str, user: StaffUser | None = None) -> str:
    """The password of ``--password``, else ``STAFF_PASSWORD``, else typed twice; ``not_done``
    ends each refusal (账号未创建。, 密码未修改。)."""
    password = given or os.environ.get("STAFF_PASSWORD")
    if not password and not sys.stdin.isatty():
        raise CommandError(
            "请提供密码：在终端中运行本命令时按提示输入，或用环境变量 STAFF_PASSWORD"
            f"（--password 会留在命令历史和进程列表中，不建议使用）。{not_done}"
        )
    if password and not given and sys.stdin.isatty():
        # Perhaps left exported in the shell by an earlier command: the operator at a terminal
        # expected a prompt, and is told which password was taken.
        sys.stderr.write("密码取自环境变量 STAFF_PASSWORD（没有在终端中询问）。\n")
    password = password or _typed(not_done)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        said = "；".join(message.rstrip("。") for message in exc.messages)  # Django's end with 。
        raise CommandError(f"密码不符合要求：{said}。{not_done}") from exc
    return password


def _typed(not_done: str) -> str:
    try:
        first = getpass.getpass("密码：")
        second = getpass.getpass("再输入一次密码：") if first else ""
    except (EOFError, KeyboardInterrupt):
        raise CommandError(f"没有输入密码，{not_done}") from None
    if not first:
        raise CommandError(f"没有输入密码，{not_done}")
    if second != first:
        raise CommandError(f"两次输入的密码不一致，{not_done}")
    return first
