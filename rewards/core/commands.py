"""Management commands whose argument errors are said in Chinese (API.md "Operations CLI").

argparse refuses a missing ``--year``, an unknown ``--role`` or a stray argument in English
("the following arguments are required: --year"); the operator reads the same refusal in Chinese.
"""

from __future__ import annotations

import re
import sys
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser

#: argparse's refusals (Python 3.11 onwards) and how each is said.
_SAID = (
    (re.compile(r"the following arguments are required: (.+)"), "缺少必填参数：{0}"),
    (re.compile(r"unrecognized arguments: (.+)"), "无法识别的参数：{0}"),
    (re.compile(r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)"), "参数 {0} 的值 {1} 无效，可选：{2}"),
    (re.compile(r"argument (\S+): invalid \S+ value: (.+)"), "参数 {0} 的值 {1} 无效"),
    (re.compile(r"argument (\S+): expected one argument"), "参数 {0} 后须跟一个值"),
)


def in_chinese(message: str) -> str:
    """argparse's ``message`` in Chinese; one it does not know is left as it is."""
    for pattern, said in _SAID:
        match = pattern.fullmatch(message)
        if match:
            return said.format(*match.groups())
    return message


class ChineseCommandParser(CommandParser):
    def error(self, message: str) -> NoReturn:
        said = in_chinese(message)
        if self.called_from_command_line:
            self.print_usage(sys.stderr)
            self.exit(2, f"{self.prog}：参数有误：{said}\n")
        raise CommandError(f"参数有误：{said}")


class ChineseCommand(BaseCommand):
    """A command whose argument errors are said in Chinese."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Django builds a CommandParser itself; the subclass only says its refusals differently.
        parser.__class__ = ChineseCommandParser
        return parser
