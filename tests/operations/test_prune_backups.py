"""``manage.py prune_backups``: backups older than the kept days go (the boundary day stays), the
newest few stay whatever their age, only folders with a manifest of ours are ever touched, a
removal cut short is finished by the next run, and each run that removes something is audited."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rewards.core.audit import verify_chain
from rewards.core.models import AuditEvent
from rewards.operations import prune
from rewards.operations.manifest import FORMAT, FORMAT_VERSION, write_manifest

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 26)


def made(root: Path, name: str, created_at: str, *, manifest: bool = True) -> Path:
    """A backup folder as ``backup`` leaves it: a dump, the files and, last, the manifest."""
    folder = root / name
    (folder / "files" / "materials").mkdir(parents=True)
    (folder / "database.sqlite3").write_bytes(b"dump")
    (folder / "files" / "materials" / "photo").write_bytes(b"jpeg")
    if manifest:
        write_manifest(folder, {"format": FORMAT, "format_version": FORMAT_VERSION, "created_at": created_at})
    return folder


def days_ago(days: int, clock: str = "03:00:00") -> str:
    return f"{TODAY - dt.timedelta(days=days)}T{clock}+08:00"


def run(root: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("prune_backups", "--root", str(root), "--today", TODAY.isoformat(), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def names(root: Path) -> set[str]:
    return {path.name for path in root.iterdir()}


def test_a_backup_of_the_last_kept_day_stays_and_one_a_day_older_goes(tmp_path):
    for days in (0, 1, 29, 30, 31, 45):
        made(tmp_path, f"b{days:02d}", days_ago(days))

    out, _ = run(tmp_path, "--keep-days", "30", "--keep-last", "1")

    assert names(tmp_path) == {"b00", "b01", "b29", "b30"}
    assert "已删除：b31（2026-10-26 备份）" in out and "已删除：b45" in out
    assert "保留 4 份备份，已删除 2 份（2026-10-27 以前的备份" in out


def test_the_day_is_counted_in_beijing_time_not_utc(tmp_path):
    # 2026-10-27 00:30 in Beijing is still 2026-10-26 in UTC: the backup is of the 27th, kept.
    made(tmp_path, "just-after-midnight", "2026-10-26T16:30:00+00:00")
    made(tmp_path, "just-before-midnight", "2026-10-26T15:30:00+00:00")  # 23:30 on the 26th in Beijing
    made(tmp_path, "newest", days_ago(0))

    run(tmp_path, "--keep-days", "30", "--keep-last", "1")

    assert names(tmp_path) == {"just-after-midnight", "newest"}


def test_the_newest_backups_stay_however_old_they_are(tmp_path):
    # The nightly backup has been failing for two months: the last three good ones are all there is.
    for days in (60, 61, 62, 63, 64):
        made(tmp_path, f"b{days}", days_ago(days))

    out, _ = run(tmp_path, "--keep-days", "30")  # --keep-last defaults to 3

    assert names(tmp_path) == {"b60", "b61", "b62"}
    assert "已删除：b63" in out and "已删除：b64" in out and "最新 3 份除外" in out


def test_the_age_comes_from_the_manifest_not_the_folder_name_or_its_mtime(tmp_path):
    made(tmp_path, "2026-11-25", days_ago(40))  # a name that lies: made 40 days ago
    made(tmp_path, "2020-01-01", days_ago(1))
    made(tmp_path, "today", days_ago(0))

    run(tmp_path, "--keep-days", "30", "--keep-last", "2")

    assert names(tmp_path) == {"2020-01-01", "today"}


def test_folders_that_are_not_complete_backups_of_ours_are_never_touched(tmp_path):
    made(tmp_path, "interrupted", days_ago(90), manifest=False)
    made(tmp_path, "foreign", days_ago(90), manifest=False)
    (tmp_path / "foreign" / "manifest.json").write_text(json.dumps({"format": "something-else"}))
    made(tmp_path, "timeless", days_ago(90), manifest=False)
    write_manifest(tmp_path / "timeless", {"format": FORMAT, "format_version": FORMAT_VERSION, "created_at": "2026-01-01T03:00:00"})
    (tmp_path / "notes.txt").write_text("a file, not a backup")
    (tmp_path / "link").symlink_to(made(tmp_path.parent / "elsewhere", "x", days_ago(90)))
    made(tmp_path, "newest", days_ago(0))

    out, err = run(tmp_path, "--keep-days", "30", "--keep-last", "1")

    assert names(tmp_path) == {"interrupted", "foreign", "timeless", "notes.txt", "link", "newest"}
    assert (tmp_path.parent / "elsewhere" / "x" / "manifest.json").exists()
    assert "未处理 interrupted：" in err and "没有 manifest.json" in err
    assert "未处理 foreign：" in err and "未处理 timeless：" in err and "没有时区" in err
    assert "已删除 0 份" in out
    assert not AuditEvent.objects.filter(action="backup.prune").exists()


def test_a_dry_run_lists_and_changes_nothing(tmp_path):
    made(tmp_path, "old", days_ago(31))
    made(tmp_path, "new", days_ago(0))

    out, _ = run(tmp_path, "--keep-days", "30", "--keep-last", "1", "--dry-run")

    assert names(tmp_path) == {"old", "new"}
    assert "将删除：old" in out and "未做任何修改" in out
    assert not AuditEvent.objects.filter(action="backup.prune").exists()


def test_a_removal_is_audited_with_what_went(tmp_path):
    made(tmp_path, "old", days_ago(31))
    made(tmp_path, "new", days_ago(0))

    out, _ = run(tmp_path, "--keep-days", "30", "--keep-last", "1")

    entry = AuditEvent.objects.get(action="backup.prune")
    assert entry.actor_label == "cli"
    assert entry.detail["removed"] == ["old"] and entry.detail["kept"] == 1
    assert entry.detail["cutoff"] == "2026-10-27" and entry.detail["keep_days"] == 30
    assert "已记入审计日志（backup.prune）" in out
    assert verify_chain() == []


def test_a_removal_cut_short_leaves_no_half_backup_under_its_name_and_the_next_run_finishes_it(tmp_path, monkeypatch):
    made(tmp_path, "old", days_ago(31))
    made(tmp_path, "new", days_ago(0))
    real_rmtree = prune.shutil.rmtree

    def power_cut(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        (Path(path) / "database.sqlite3").unlink()  # part of it deleted, then the machine stops
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(prune.shutil, "rmtree", power_cut)
    with pytest.raises(CommandError, match=r"^清理备份失败：读写出错，磁盘或网络存储可能有故障。请确认运行命令的用户"):
        run(tmp_path, "--keep-days", "30", "--keep-last", "1")
    assert names(tmp_path) == {".pruning-old", "new"}  # "old" is not there as if it were whole

    monkeypatch.setattr(prune.shutil, "rmtree", real_rmtree)
    out, _ = run(tmp_path, "--keep-days", "30", "--keep-last", "1")

    assert names(tmp_path) == {"new"}
    assert "已完成上次中断的删除：.pruning-old" in out
    assert AuditEvent.objects.get(action="backup.prune").detail["finished"] == [".pruning-old"]


@pytest.mark.django_db(transaction=True)  # the backup reads committed data
def test_a_backup_written_by_the_backup_command_is_recognised_and_pruned(tmp_path, storage_root):
    root = tmp_path / "backups"
    call_command("backup", "--output", str(root / "real"), stdout=io.StringIO(), stderr=io.StringIO())
    (real,), _, _ = prune.find_backups(root)
    # a day after the real one (not after a fixed date: the real one carries today's date in Shanghai)
    made(root, "newer", f"{real.created_on + dt.timedelta(days=1)}T03:00:00+08:00")

    backups, foreign, _ = prune.find_backups(root)
    assert [found.folder.name for found in backups] == ["real", "newer"] and not foreign
    made_on = backups[0].created_on
    call_command(
        "prune_backups", "--root", str(root), "--today", str(made_on + dt.timedelta(days=30)), "--keep-last", "1", stdout=io.StringIO()
    )
    assert names(root) == {"real", "newer"}
    call_command(
        "prune_backups", "--root", str(root), "--today", str(made_on + dt.timedelta(days=31)), "--keep-last", "1", stdout=io.StringIO()
    )
    assert names(root) == {"newer"}


@pytest.mark.parametrize(
    ("args", "message"), [(("--keep-days", "0"), "至少为 1"), (("--keep-last", "0"), "至少为 1"), (("--keep-days", "x"), "不是整数")]
)
def test_bad_settings_are_refused_before_anything_is_looked_at(tmp_path, args, message):
    made(tmp_path, "old", days_ago(400))
    with pytest.raises(CommandError, match=message):
        run(tmp_path, *args)
    assert names(tmp_path) == {"old"}


def test_a_missing_root_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        run(tmp_path / "nowhere")


def test_bad_settings_on_the_command_line_are_a_usage_error_not_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    cases = [
        (["prune_backups", "--root", str(tmp_path), "--keep-days", "0"], "至少为 1"),
        (["purge_expired", "--today", "2020-13-01"], "无法识别"),
    ]
    for command, said in cases:
        result = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert said in result.stderr, (command, result.stderr)
