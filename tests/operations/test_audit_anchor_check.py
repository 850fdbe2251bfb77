"""``audit_anchor_check``: before the first ``audit_verify`` (and after changing the anchor's file or
the log host), the operator learns whether this account can append to ``AUDIT_ANCHOR_FILE``, whether
the file is protected as README "Deploying" asks (another owner, a folder this account cannot
write, append-only), and whether ``AUDIT_ANCHOR_SYSLOG`` is a socket that takes the copy.

What makes the nightly ``audit_verify`` fail (no anchor written, no copy sent) exits 1; a weaker
protection is a warning (exit 0). ``check --deploy`` tests none of it on purpose: the web unit
starts only when that check has no warning, and the website never writes the anchor, so an anchor
problem must not keep the site down; the test at the end pins that.

The tests run as root in CI, where every file is writable: the account is given to the command
(``_account``) as another user, and the append-only attribute (which tmpfs cannot hold) is given
too; opening the file for appending is real.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rewards.operations import anchor_check

from .test_deploy_kit import ROOT, example_env

ACCOUNT = 4242  # the services' account, not the file's owner (root here)


@pytest.fixture
def as_rewards(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """The command runs as the account ``rewards`` (uid 4242) in group 0 (the anchor folder's group
    here, standing for ``rewards`` in production), the file append-only."""
    monkeypatch.setattr(anchor_check, "_account", lambda: (ACCOUNT, {0}, "rewards"))
    monkeypatch.setattr(anchor_check, "_append_only", lambda path: True)


@pytest.fixture
def deployed(settings, tmp_path):  # type: ignore[no-untyped-def]
    """The README's layout: a folder of root's the account cannot write, the file root's, 0660."""
    folder = tmp_path / "rewards-audit"
    folder.mkdir(mode=0o750)
    folder.chmod(0o750)
    path = folder / "anchor.jsonl"
    path.touch()
    path.chmod(0o660)
    settings.AUDIT_ANCHOR_FILE = str(path)
    settings.AUDIT_ANCHOR_SYSLOG = ""
    return path


def run(**options: object) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("audit_anchor_check", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def fails(**options: object) -> str:
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("audit_anchor_check", stdout=io.StringIO(), stderr=err, **options)
    assert failed.value.returncode == 1
    return err.getvalue() + str(failed.value)


def test_the_layout_the_readme_asks_for_passes(as_rewards, deployed, settings, tmp_path):
    path = str(tmp_path / "log")
    with closing(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)) as server:
        server.bind(path)
        settings.AUDIT_ANCHOR_SYSLOG = path
        out, err = run()
        server.setblocking(False)
        with pytest.raises(BlockingIOError):
            server.recv(4096)  # nothing is sent: only connected
    assert err == ""
    assert f"审计锚点文件 {deployed}：本账号（rewards）可以追加写入。" in out
    assert "文件不属于本账号，所在目录本账号不能写入：不能删除或替换它。" in out
    assert "已设为只许追加（chattr +a）。" in out
    assert f"系统日志 {path}：可以连接，每行锚点会抄送一份。" in out
    assert out.endswith("审计锚点检查通过。\n")
    assert deployed.read_bytes() == b""  # nothing written


def test_a_missing_folder_fails_and_says_how_to_make_the_file(as_rewards, settings, tmp_path):
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "missing" / "anchor.jsonl")
    settings.AUDIT_ANCHOR_SYSLOG = ""
    said = fails()
    assert f"审计锚点文件 {settings.AUDIT_ANCHOR_FILE} 不存在，本账号也不能在 {tmp_path / 'missing'} 中创建它（不存在）" in said
    assert "install -m 0660 -o root -g rewards /dev/null" in said
    assert "审计锚点检查发现 1 个问题：audit_verify 将无法记下链头" in said


def test_a_folder_in_place_of_the_file_fails(as_rewards, settings, tmp_path):
    (tmp_path / "anchor.jsonl").mkdir()
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "anchor.jsonl")
    settings.AUDIT_ANCHOR_SYSLOG = ""
    assert f"本账号（rewards）不能追加写入审计锚点文件 {tmp_path / 'anchor.jsonl'}（是目录而不是文件）" in fails()


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_syslog_socket_that_is_not_there_or_not_a_socket_fails(as_rewards, deployed, settings, tmp_path, kind):
    path = tmp_path / "log"
    if kind == "file":
        path.write_text("")
    settings.AUDIT_ANCHOR_SYSLOG = str(path)
    said = fails()
    reason = "不存在" if kind == "missing" else "不是套接字"
    assert f"系统日志 {path} 无法连接（{reason}）：锚点行不会抄送到日志主机。" in said
    assert "请确认 journald 或 rsyslog 在运行" in said


def test_no_syslog_named_is_said_not_failed(as_rewards, deployed):
    out, _ = run()
    assert "未设置 AUDIT_ANCHOR_SYSLOG：锚点行只写入锚点文件和标准错误，没有抄送日志主机。" in out


def test_a_file_the_account_owns_in_its_own_folder_not_append_only_is_warned_not_failed(monkeypatch, settings, tmp_path):
    monkeypatch.setattr(anchor_check, "_append_only", lambda path: False)
    monkeypatch.setattr(anchor_check, "_account", lambda: (ACCOUNT, {ACCOUNT}, "rewards"))
    folder = tmp_path / "data"  # as DATA_DIR is: the account's own
    folder.mkdir(mode=0o750)
    settings.AUDIT_ANCHOR_FILE = str(folder / "anchor.jsonl")
    settings.AUDIT_ANCHOR_SYSLOG = ""
    Path(settings.AUDIT_ANCHOR_FILE).touch()
    if os.geteuid() == 0:
        os.chown(folder, ACCOUNT, ACCOUNT)
        os.chown(settings.AUDIT_ANCHOR_FILE, ACCOUNT, ACCOUNT)
    else:
        monkeypatch.setattr(anchor_check, "_account", lambda: (os.geteuid(), {os.getegid()}, "rewards"))
    out, err = run()
    assert "文件属于本账号（rewards）：能访问数据库的人也能清空或改写它。" in err
    assert f"所在目录 {folder} 本账号可以写入：能删除或替换这个文件。" in err
    assert "没有设为只许追加：以 root 执行 chattr +a" in err
    assert out.endswith("审计锚点检查通过，但有 3 项提醒（见上）：锚点未按 README“部署”一节保护。\n")


def test_a_file_not_there_yet_in_a_folder_the_account_may_write_is_warned(as_rewards, settings, tmp_path):
    folder = tmp_path / "anchor"
    folder.mkdir(mode=0o770)
    folder.chmod(0o770)
    settings.AUDIT_ANCHOR_FILE = str(folder / "anchor.jsonl")
    settings.AUDIT_ANCHOR_SYSLOG = ""
    _, err = run()
    assert "不存在：首次 audit_verify 会创建它，但它将属于本账号" in err
    assert not (folder / "anchor.jsonl").exists()


def test_an_unknown_append_only_attribute_is_said(monkeypatch, deployed):
    monkeypatch.setattr(anchor_check, "_account", lambda: (ACCOUNT, {0}, "rewards"))
    monkeypatch.setattr(anchor_check, "_append_only", lambda path: None)
    _, err = run()
    assert "无法查询是否只许追加（文件系统不支持）：请以 root 用 lsattr 查看，应有 a 标志。" in err


def test_the_attribute_is_read_from_the_file_system_or_said_unknown(tmp_path):
    path = tmp_path / "file"
    path.touch()
    assert anchor_check._append_only(path) in (False, None)  # a fresh file is not append-only


def test_check_deploy_leaves_the_anchor_to_this_command(tmp_path):
    """The web unit's `check --deploy --fail-level WARNING` passes with an anchor no one can write
    and no syslog socket: the website does not write the anchor and must not stay down for it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "THROTTLE_", "APP_TODAY", "DATABASE_URL"))}
    env.update(example_env(tmp_path))
    env.update(AUDIT_ANCHOR_FILE=str(tmp_path / "no-folder" / "anchor.jsonl"), AUDIT_ANCHOR_SYSLOG=str(tmp_path / "no-log"))
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_run_as_root_it_says_to_run_it_as_the_services_account(monkeypatch, deployed):
    monkeypatch.setattr(anchor_check, "_account", lambda: (0, {0}, "root"))
    monkeypatch.setattr(anchor_check, "_append_only", lambda path: True)
    out, err = run()
    assert "以 root 运行，看不出服务的账号能否写入" in err and "runuser -u rewards -- deploy/bin/manage audit_anchor_check" in err
    assert "文件属于本账号" not in err and "不能删除或替换它" not in out
