"""The operations CLI (API.md) says a wrong argument in Chinese: argparse's refusals, which
were English ("the following arguments are required: --year"), through ``ChineseCommand``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rewards.core.commands import in_chinese


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("the following arguments are required: --year", "缺少必填参数：--year"),
        ("the following arguments are required: file, --year", "缺少必填参数：file, --year"),
        ("unrecognized arguments: --foo 1", "无法识别的参数：--foo 1"),
        (
            "argument --role: invalid choice: 'foo' (choose from 'auditor', 'admin')",
            "参数 --role 的值 'foo' 无效，可选：'auditor', 'admin'",
        ),
        ("argument -v/--verbosity: invalid int value: 'x'", "参数 -v/--verbosity 的值 'x' 无效"),
        ("argument --year: expected one argument", "参数 --year 后须跟一个值"),
        ("something argparse may say one day", "something argparse may say one day"),
    ],
)
def test_argparse_refusals_in_chinese(message, said):  # type: ignore[no-untyped-def]
    assert in_chinese(message) == said


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["create_staff", "wang.wu", "--role", "payer", "--org", "西湖区总工会"], "参数有误：参数 --role 的值 'payer' 无效，可选："),
        (["create_staff", "wang.wu", "--role", "auditor"], "参数有误：缺少必填参数：--org"),
        (["import_awards", "roster.csv"], "参数有误：缺少必填参数：--year"),
        (["import_members"], "参数有误：缺少必填参数：file"),
        (["import_certificates", "a.csv", "b.csv"], "参数有误：无法识别的参数：b.csv"),
        (["load_campaign", "2020", "--nope"], "参数有误：无法识别的参数：--nope"),
    ],
)
def test_the_operations_commands_refuse_a_wrong_argument_in_chinese(db, arguments, said):  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError) as refused:
        call_command(*arguments, stdout=StringIO(), stderr=StringIO())

    assert str(refused.value).startswith(said)


def _project_commands() -> list[str]:
    from django.core.management import get_commands

    return sorted(name for name, app in get_commands().items() if app.startswith("rewards."))


@pytest.mark.parametrize("name", _project_commands())
def test_every_project_command_refuses_an_unknown_option_in_chinese(db, name):  # type: ignore[no-untyped-def]
    """Each of the project's own commands, not only those of API.md: an operator typing a wrong
    option is told so in Chinese, and the command does nothing."""
    with pytest.raises(CommandError) as refused:
        call_command(name, "--no-such-option", stdout=StringIO(), stderr=StringIO())

    assert str(refused.value).startswith("参数有误：")
