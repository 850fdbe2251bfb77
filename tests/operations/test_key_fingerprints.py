"""``manage.py key_fingerprints``: the configured keys by fingerprint (the very fingerprints the
manifest holds and ``restore`` names), which keys a backup needs and whether they are here (exit 1
naming a missing one), a key not yet configured read from a file or standard input; never a key,
nor a key id, in the output or the audit entry.

Transactional tests, as for backup and restore (the backup reads committed data). The same tests
run on SQLite and, under scripts/with-postgres.sh, on PostgreSQL.
"""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rewards.applications.models import Application
from rewards.core import crypto
from rewards.core.models import AuditEvent

from . import seeds

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_KEY = base64.urlsafe_b64encode(b"o" * 32).decode()
THIRD_KEY = base64.urlsafe_b64encode(b"3" * 32).decode()


@pytest.fixture
def seeded(campaign, xihu, storage_root):  # type: ignore[no-untyped-def]
    return [seeds.person(campaign, xihu, name, keep_member=True) for name in ("张晓明", "李建国")]


@pytest.fixture
def made(seeded, tmp_path) -> tuple[Path, dict]:  # type: ignore[type-arg]
    """A backup of the seeded data, made under the test keys, and its manifest."""
    folder = tmp_path / "backup"
    call_command("backup", "--output", str(folder), stdout=io.StringIO(), stderr=io.StringIO())
    return folder, json.loads((folder / "manifest.json").read_text())


def run(*args: str, stdin: io.StringIO | None = None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("key_fingerprints", *args, stdout=out, stderr=err, **({"stdin": stdin} if stdin else {}))
    return out.getvalue(), err.getvalue()


def refused(*args: str, stdin: io.StringIO | None = None) -> tuple[str, str, CommandError]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("key_fingerprints", *args, stdout=out, stderr=err, **({"stdin": stdin} if stdin else {}))
    return out.getvalue(), err.getvalue(), caught.value


def listed(out: str) -> dict[str, str]:
    """``setting → fingerprint`` of the configured keys' lines."""
    return dict(re.findall(r"^  ([A-Z_]+(?:\[\d+\])?)：.*指纹 ([0-9a-f]{16})", out, re.MULTILINE))


def last_entry() -> AuditEvent:
    entry = AuditEvent.objects.order_by("-id").first()
    assert entry is not None
    return entry


def test_the_fingerprints_are_those_of_the_manifest_and_of_restore(made, settings, storage_root):
    folder, manifest = made
    out, _ = run()
    keys = manifest["keys"]
    assert listed(out) == {
        "FIELD_ENCRYPTION_KEY": keys["field_encryption_current"],
        "BLIND_INDEX_KEY": keys["blind_index"],
        "AUDIT_CHAIN_KEY": keys["audit_chain"],
        "SECRET_KEY": keys["secret_key"],
    }
    assert keys["field_encryption_used"] == [keys["field_encryption_current"]]

    # Rotated: the backup's key is now an old key, at its position, and restore's named one.
    original = settings.FIELD_ENCRYPTION_KEY
    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY
    with pytest.raises(CommandError) as caught:
        call_command("restore", "--input", str(folder), "--force", stdout=io.StringIO(), stderr=io.StringIO())
    named = re.search(r"指纹 ([0-9a-f]{16})", str(caught.value))
    assert named and named.group(1) == keys["field_encryption_current"]
    settings.FIELD_ENCRYPTION_OLD_KEYS = [THIRD_KEY, original]
    out, _ = run()
    prints = listed(out)
    assert list(prints)[:3] == ["FIELD_ENCRYPTION_KEY", "FIELD_ENCRYPTION_OLD_KEYS[0]", "FIELD_ENCRYPTION_OLD_KEYS[1]"]
    assert prints["FIELD_ENCRYPTION_OLD_KEYS[1]"] == named.group(1)
    assert prints["FIELD_ENCRYPTION_KEY"] != named.group(1) and prints["FIELD_ENCRYPTION_OLD_KEYS[0]"] != named.group(1)
    assert "当前：加密新写入的内容" in out.splitlines()[1]  # the first field key is the one that encrypts


def test_a_backup_whose_keys_are_all_here_passes(made):
    folder, manifest = made
    out, err = run("--backup", str(folder))
    assert f"字段加密密钥，指纹 {manifest['keys']['field_encryption_current']}：已配置（FIELD_ENCRYPTION_KEY）" in out
    assert "这份备份需要的密钥本机都已配置" in out and err == ""
    entry = last_entry()
    assert (entry.action, entry.result, entry.actor_label) == ("crypto.fingerprints", "ok", "cli")
    assert entry.detail["backup"] == str(folder.resolve()) and entry.detail["missing"] == []


def test_a_backup_needing_an_absent_field_key_exits_1_naming_it_and_where_to_find_it(made, settings):
    folder, manifest = made
    needed = manifest["keys"]["field_encryption_used"][0]
    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY

    out, err, error = refused("--backup", str(folder))

    assert error.returncode == 1
    assert f"字段加密密钥，指纹 {needed}：缺少" in out
    assert f"缺少字段加密密钥（指纹 {needed}）" in err and "var/keys/" in err and "FIELD_ENCRYPTION_OLD_KEYS" in err
    assert needed in str(error) and "restore 会拒绝恢复" in str(error)
    entry = last_entry()
    assert (entry.action, entry.result) == ("crypto.fingerprints", "failed")
    assert entry.detail["missing"] == [f"FIELD_ENCRYPTION_KEY:{needed}"]

    # One step inside: the same key kept as an old key is enough.
    settings.FIELD_ENCRYPTION_OLD_KEYS = [base64.urlsafe_b64encode(b"t" * 32).decode()]
    out, _ = run("--backup", str(folder))
    assert f"指纹 {needed}：已配置（FIELD_ENCRYPTION_OLD_KEYS[0]）" in out


@pytest.mark.parametrize("setting", ["BLIND_INDEX_KEY", "AUDIT_CHAIN_KEY"])
def test_a_backup_made_under_another_blind_index_or_audit_key_exits_1(made, settings, setting):
    folder, manifest = made
    needed = manifest["keys"]["blind_index" if setting == "BLIND_INDEX_KEY" else "audit_chain"]
    setattr(settings, setting, OTHER_KEY)

    out, err, error = refused("--backup", str(folder))

    assert error.returncode == 1 and needed in str(error)
    assert f"指纹 {needed}）" in err and f"配置为 {setting}" in err
    assert "字段加密密钥" in out and "：已配置（FIELD_ENCRYPTION_KEY）" in out  # the others are reported present


def test_another_secret_key_only_warns_and_a_backup_from_before_the_keyed_chain_needs_no_audit_key(made, settings):
    folder, manifest = made
    del manifest["keys"]["audit_chain"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    settings.SECRET_KEY = "another secret key of fifty characters or so, for this test"
    settings.AUDIT_CHAIN_KEY = OTHER_KEY

    out, _ = run("--backup", str(folder))

    assert f"指纹 {manifest['keys']['secret_key']}：与本机不同" in out and "查询密码将全部失效" in out
    assert "备份早于审计链密钥：不需要 AUDIT_CHAIN_KEY" in out
    assert "这份备份需要的密钥本机都已配置" in out


def test_a_key_not_yet_configured_is_read_from_standard_input_and_matched_to_the_backup(made, settings):
    folder, manifest = made
    original = settings.FIELD_ENCRYPTION_KEY
    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY
    needed = manifest["keys"]["field_encryption_used"][0]

    out, err, error = refused("--backup", str(folder), "--key-file", "-", stdin=io.StringIO(original + "\n"))

    assert f"作为字段加密密钥：指纹 {needed}（本机未配置）" in out
    assert f"字段加密密钥，指纹 {needed}：缺少；所给的密钥正是它" in out
    assert "所给的密钥正是它，请放入 FIELD_ENCRYPTION_OLD_KEYS" in err and error.returncode == 1
    assert last_entry().detail["key_file_matches"] == ["FIELD_ENCRYPTION_KEY"]


def test_a_key_file_gives_its_fingerprint_as_each_key_and_says_which_one_is_configured(tmp_path, settings, db):
    path = tmp_path / "key"
    path.write_text(settings.BLIND_INDEX_KEY + "\n")
    out, _ = run("--key-file", str(path))
    mine = listed(out)
    assert f"作为查询索引密钥：指纹 {mine['BLIND_INDEX_KEY']}（本机已配置为 BLIND_INDEX_KEY）" in out
    assert "作为字段加密密钥：指纹" in out and "作为审计链密钥：指纹" in out

    # Not a 32-byte key: it can only have been a SECRET_KEY.
    path.write_text(settings.SECRET_KEY)
    out, _ = run("--key-file", str(path))
    assert "不是 32 字节的 URL 安全 base64 密钥" in out
    assert f"作为 SECRET_KEY：指纹 {mine['SECRET_KEY']}（本机已配置为 SECRET_KEY）" in out


def test_on_a_terminal_the_key_is_read_without_echo(monkeypatch, settings, db):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    asked: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or settings.AUDIT_CHAIN_KEY)
    out, _ = run("--key-file", "-", stdin=Terminal(""))
    assert asked and "不回显" in asked[0]
    assert "（本机已配置为 AUDIT_CHAIN_KEY）" in out


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("FIELD_ENCRYPTION_KEY=" + OTHER_KEY, "不要带变量名"),
        (OTHER_KEY + "," + THIRD_KEY, "一次只能核对一个密钥"),
        (OTHER_KEY + "\n" + THIRD_KEY, "一次只能核对一个密钥"),
        ("  \n", "没有读到密钥"),
    ],
)
def test_a_key_file_holds_one_key_and_nothing_else(tmp_path, given, said, db):
    path = tmp_path / "key"
    path.write_text(given)
    _, _, error = refused("--key-file", str(path))
    assert said in str(error)
    assert OTHER_KEY not in str(error) and THIRD_KEY not in str(error)


def test_a_key_typed_on_the_command_line_is_refused_and_not_repeated(db):
    _, _, error = refused("--key-file", OTHER_KEY)
    assert "密钥不可写在命令行上" in str(error) and OTHER_KEY not in str(error)


def test_a_malformed_configured_key_is_said_in_chinese_without_its_value(settings, db):
    settings.FIELD_ENCRYPTION_OLD_KEYS = ["not-a-key"]
    _, _, error = refused()
    assert "FIELD_ENCRYPTION_OLD_KEYS[0]" in str(error) and "not-a-key" not in str(error)


def test_no_key_nor_key_id_appears_in_the_output_or_the_audit_entry(made, settings):
    folder, _ = made
    settings.FIELD_ENCRYPTION_OLD_KEYS = [THIRD_KEY]
    given = base64.urlsafe_b64encode(b"g" * 32).decode()

    out, err = run("--backup", str(folder), "--key-file", "-", stdin=io.StringIO(given))

    entry = json.dumps(last_entry().detail, ensure_ascii=False)
    assert last_entry().action == "crypto.fingerprints" and entry
    secrets = [settings.FIELD_ENCRYPTION_KEY, THIRD_KEY, settings.BLIND_INDEX_KEY, settings.AUDIT_CHAIN_KEY, settings.SECRET_KEY, given]
    ids = [crypto.field_key_id(key) for key in (settings.FIELD_ENCRYPTION_KEY, THIRD_KEY, given)]
    for text in (out, err, entry):
        for secret in secrets + ids:
            assert secret not in text
        # Nor the key decoded (printed as hex, say).
        for secret in [*secrets[:4], given]:
            assert base64.urlsafe_b64decode(secret).hex() not in text


def test_an_empty_database_is_not_audited_so_that_a_restore_into_it_needs_no_force(made, storage_root):
    folder, _ = made
    call_command("flush", "--noinput", verbosity=0)
    for path in sorted(storage_root.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()

    out, _ = run("--backup", str(folder))

    assert "数据库为空" in out and "未记入审计日志" in out
    assert not AuditEvent.objects.exists()
    call_command("restore", "--input", str(folder), stdout=io.StringIO(), stderr=io.StringIO())  # no --force
    assert Application.objects.count() == 2
