"""import_staff FILE --passwords-out PATH: staff accounts from a sheet, checked whole first, each
with a temporary password written only to a new file of mode 0600 (rewards/organisations/staff_import.py)."""

from __future__ import annotations

import csv
import stat
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rewards.core import clock
from rewards.core.errors import Conflict
from rewards.core.models import AuditEvent
from rewards.organisations.models import Role, StaffUser
from rewards.organisations.services import staff_create
from rewards.organisations.staff_import import PASSWORD_ALPHABET, create_staff_accounts, new_password, plan_staff_import
from rewards.reports.auditlog import ACTION_LABELS
from tests.conftest import PASSWORD
from tests.registries.tables import write_csv, write_xlsx
from tests.security.staff_helpers import web_client, web_login

pytestmark = pytest.mark.django_db

HEADER = ["用户名", "姓名", "角色", "所属组织"]
GRASSROOTS = "杭州西湖精密机械有限公司工会"


def rows_of_three() -> list[list[str]]:
    return [
        ["xihu.wang", "王审核", "district_reviewer", "西湖区总工会"],
        ["jm.li", "李经办", "基层工会经办人", GRASSROOTS],  # a Chinese role label
        ["fin.zhao", "赵财务", "市总财务人员", "杭州市总工会"],
    ]


def import_staff(*args: str) -> str:
    out = StringIO()
    call_command("import_staff", *args, "--no-progress", stdout=out)
    return out.getvalue()


def read_passwords(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel opens it as UTF-8
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_creates_every_account_with_a_temporary_password_in_a_private_file(xihu_grassroots, tmp_path):
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())
    out = tmp_path / "passwords.csv"
    before = clock.now()

    said = import_staff(str(sheet), "--passwords-out", str(out))

    assert "共 3 行，新建 3 个账号，已存在且相同 0 个" in said
    accounts = {user.username: user for user in StaffUser.objects.filter(username__in=["xihu.wang", "jm.li", "fin.zhao"])}
    assert {name: (user.role, user.organisation.name, user.full_name) for name, user in accounts.items()} == {
        "xihu.wang": ("district_reviewer", "西湖区总工会", "王审核"),
        "jm.li": ("grassroots_clerk", GRASSROOTS, "李经办"),
        "fin.zhao": ("finance_officer", "杭州市总工会", "赵财务"),
    }
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    lines = read_passwords(out)
    assert list(lines[0]) == ["用户名", "姓名", "角色", "所属组织", "初始密码", "有效期至"]
    assert [(line["用户名"], line["姓名"], line["角色"], line["所属组织"]) for line in lines] == [
        ("xihu.wang", "王审核", "区县（产业）工会审核人", "西湖区总工会"),
        ("jm.li", "李经办", "基层工会经办人", GRASSROOTS),
        ("fin.zhao", "赵财务", "市总财务人员", "杭州市总工会"),
    ]
    passwords = [line["初始密码"] for line in lines]
    assert len(set(passwords)) == 3
    for line in lines:
        user = accounts[line["用户名"]]
        assert user.check_password(line["初始密码"])
        assert user.temporary_password_until is not None and user.temporary_password_until > before
        assert not user.is_staff and user.is_active
        assert line["初始密码"] not in said  # never on the screen
    # The file is UTF-8 that a GB18030 reader is not asked to guess: the BOM says which.
    assert out.read_bytes()[3:].decode("utf-8").startswith("用户名,姓名")


def test_each_account_and_the_run_are_audited_by_the_command_line_with_the_files_sha256(xihu_grassroots, tmp_path):
    import hashlib

    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())
    out = tmp_path / "passwords.csv"
    import_staff(str(sheet), "--passwords-out", str(out))

    sha = hashlib.sha256(sheet.read_bytes()).hexdigest()
    created = AuditEvent.objects.filter(action="staff.create").order_by("id")
    assert created.count() == 3
    wang = StaffUser.objects.get(username="xihu.wang")
    first = created.first()
    assert (first.object_id, first.actor_label, first.actor_id) == (str(wang.pk), "cli", None)
    assert first.detail["role"] == "district_reviewer" and first.detail["organisation_id"] == wang.organisation_id
    assert (first.detail["channel"], first.detail["sha256"]) == ("cli", sha)
    assert "temporary_until" in first.detail
    summary = AuditEvent.objects.get(action="staff.import")
    assert summary.actor_label == "cli"
    assert summary.detail == {"channel": "cli", "sha256": sha, "total": 3, "created": 3, "unchanged": 0}
    assert ACTION_LABELS["staff.import"] == "批量导入工作人员账号"
    passwords = [line["初始密码"] for line in read_passwords(out)]
    assert len(passwords) == 3 and all(passwords)
    for password in passwords:
        for event in AuditEvent.objects.all():
            assert password not in event.canonical()


def test_a_created_account_signs_in_only_to_change_its_password(xihu_grassroots, tmp_path):
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())
    out = tmp_path / "passwords.csv"
    import_staff(str(sheet), "--passwords-out", str(out))
    password = next(line["初始密码"] for line in read_passwords(out) if line["用户名"] == "jm.li")
    client = web_client()

    assert web_login(client, "jm.li", password)["Location"] == "/staff/account/password"
    assert client.get("/staff/")["Location"] == "/staff/account/password"
    own = "My-own-Passphrase-2021"
    client.post("/staff/account/password", {"old_password": password, "new_password1": own, "new_password2": own})
    user = StaffUser.objects.get(username="jm.li")
    assert user.temporary_password_until is None and user.check_password(own)


def test_a_bad_row_anywhere_creates_nothing_and_every_bad_row_is_named(xihu_grassroots, tmp_path):
    rows = [
        *rows_of_three(),
        ["bad name", "钱经办", "基层工会经办人", GRASSROOTS],  # a space
        ["sun.clerk", "孙经办", "经办人", GRASSROOTS],  # no such role
        ["zhou.clerk", "周经办", "基层工会经办人", "不存在的公司工会"],
        ["", "", "", ""],  # an empty line is skipped, not a row
        ["XIHU.WANG", "王二", "district_reviewer", "西湖区总工会"],  # row 2 again, another case
        ["-cmd", "吴经办", "基层工会经办人", GRASSROOTS],
    ]
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows)
    out = tmp_path / "passwords.csv"
    stdout = StringIO()

    with pytest.raises(CommandError, match="有 5 行有问题，未创建任何账号"):
        call_command("import_staff", str(sheet), "--passwords-out", str(out), "--no-progress", stdout=stdout)

    said = stdout.getvalue()
    assert "第 5 行：用户名“bad name”只能包含字母、数字" in said
    assert "第 6 行：角色“经办人”无法识别" in said
    assert "第 7 行：没有名为“不存在的公司工会”的组织" in said
    assert "第 9 行：用户名“XIHU.WANG”在本文件第 2 行已出现（不区分大小写）" in said
    assert "第 10 行：用户名不能以“=”“+”“-”“@”开头" in said
    assert "第 2 行：" not in said and "第 3 行：" not in said and "第 4 行：" not in said  # the good rows are not named
    assert not StaffUser.objects.exists()
    assert not out.exists()
    assert not AuditEvent.objects.filter(action__in=["staff.create", "staff.import"]).exists()


@pytest.mark.parametrize("position", [0, 1, 3])
def test_one_bad_row_first_in_the_middle_or_last_creates_no_account(xihu_grassroots, tmp_path, position):
    rows = rows_of_three()
    rows.insert(position, ["qian.clerk", "钱经办", "基层工会经办人", "西湖区总工会"])  # a clerk of a district union
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows)
    stdout = StringIO()

    with pytest.raises(CommandError, match="有 1 行有问题"):
        call_command("import_staff", str(sheet), "--passwords-out", str(tmp_path / "p.csv"), "--no-progress", stdout=stdout)

    assert f"第 {position + 2} 行：角色“基层工会经办人”应属于基层工会" in stdout.getvalue()
    assert not StaffUser.objects.exists() and not (tmp_path / "p.csv").exists()


def test_running_the_same_file_again_changes_nothing(xihu_grassroots, tmp_path):
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())
    import_staff(str(sheet), "--passwords-out", str(tmp_path / "first.csv"))
    stored = {user.username: (user.password, user.temporary_password_until) for user in StaffUser.objects.all()}

    said = import_staff(str(sheet), "--passwords-out", str(tmp_path / "second.csv"))

    assert "共 3 行，新建 0 个账号，已存在且相同 3 个（未作改动）" in said
    assert {user.username: (user.password, user.temporary_password_until) for user in StaffUser.objects.all()} == stored
    assert not (tmp_path / "second.csv").exists()  # nothing to hand out
    assert AuditEvent.objects.filter(action="staff.create").count() == 3
    assert AuditEvent.objects.filter(action="staff.import").latest("id").detail["unchanged"] == 3
    # Nothing to create: no passwords file is needed at all. A disabled account stays disabled.
    StaffUser.objects.filter(username="jm.li").update(is_active=False)
    said = import_staff(str(sheet))
    assert "新建 0 个账号" in said and "已存在的账号 jm.li 已停用，本命令不重新启用" in said
    assert not StaffUser.objects.get(username="jm.li").is_active


def test_an_account_created_between_the_check_and_the_writing_stops_the_whole_import(xihu_grassroots, tmp_path):
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())
    plan = plan_staff_import(sheet)
    assert len(plan.to_create) == 3
    staff_create(username="FIN.zhao", role=Role.AUDITOR, organisation=xihu_grassroots.parent.parent, password=PASSWORD)
    delivered = []

    with pytest.raises(Conflict, match=r"用户名“fin\.zhao”在检查之后被占用"):
        create_staff_accounts(plan, deliver=lambda accounts, until: delivered.append(accounts))

    assert list(StaffUser.objects.values_list("username", flat=True)) == ["FIN.zhao"]
    assert delivered == [] and not AuditEvent.objects.filter(action="staff.import").exists()


def test_an_existing_account_with_another_role_or_organisation_is_refused_not_changed(xihu, xihu_grassroots, shangcheng, tmp_path):
    staff_create(username="xihu.wang", role=Role.DISTRICT_REVIEWER, organisation=shangcheng, password=PASSWORD)
    staff_create(username="jm.li", role=Role.DISTRICT_REVIEWER, organisation=xihu, password=PASSWORD)
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())
    stdout = StringIO()

    with pytest.raises(CommandError, match="有 2 行有问题"):
        call_command("import_staff", str(sheet), "--passwords-out", str(tmp_path / "p.csv"), "--no-progress", stdout=stdout)

    said = stdout.getvalue()
    assert (
        "第 2 行：用户名“xihu.wang”已有账号（区县（产业）工会审核人，上城区总工会），与本行的区县（产业）工会审核人、西湖区总工会不同"
        in said
    )
    assert "第 3 行：用户名“jm.li”已有账号（区县（产业）工会审核人，西湖区总工会），与本行的基层工会经办人" in said
    assert "本命令不修改已有账号的角色或所属组织" in said
    assert StaffUser.objects.get(username="xihu.wang").organisation == shangcheng
    assert StaffUser.objects.get(username="jm.li").role == Role.DISTRICT_REVIEWER
    assert not StaffUser.objects.filter(username="fin.zhao").exists()


def test_a_name_that_differs_from_an_existing_one_only_in_case_is_refused(xihu_grassroots, tmp_path):
    staff_create(username="Xihu.Wang", role=Role.DISTRICT_REVIEWER, organisation=xihu_grassroots.parent, password=PASSWORD)
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three()[:1])
    stdout = StringIO()

    with pytest.raises(CommandError):
        call_command("import_staff", str(sheet), "--passwords-out", str(tmp_path / "p.csv"), "--no-progress", stdout=stdout)

    assert "与已有账号“Xihu.Wang”只差大小写" in stdout.getvalue()


@pytest.mark.parametrize(
    ("role", "org", "said"),
    [
        ("district_reviewer", "杭州市总工会", "角色“区县（产业）工会审核人”应属于区县（市）/产业工会，而“杭州市总工会”是市总工会"),
        ("市总职工服务中心审核人", "西湖区总工会", "角色“市总职工服务中心审核人”应属于市总工会，而“西湖区总工会”是区县（市）/产业工会"),
        ("grassroots_clerk", "西湖区总工会", "角色“基层工会经办人”应属于基层工会，而“西湖区总工会”是区县（市）/产业工会"),
        ("finance_officer", GRASSROOTS, "角色“市总财务人员”应属于市总工会，而“杭州西湖精密机械有限公司工会”是基层工会"),
    ],
)
def test_a_role_at_the_wrong_level_of_the_union_tree_is_refused(xihu_grassroots, tmp_path, role, org, said):
    sheet = write_csv(tmp_path / "staff.csv", HEADER, [["some.one", "张三", role, org]])
    stdout = StringIO()

    with pytest.raises(CommandError, match="有 1 行有问题"):
        call_command("import_staff", str(sheet), "--passwords-out", str(tmp_path / "p.csv"), "--no-progress", stdout=stdout)

    assert f"第 2 行：{said}" in stdout.getvalue()
    assert not StaffUser.objects.exists()


def test_role_labels_codes_and_widths_are_all_read(xihu_grassroots, tmp_path):
    rows = [
        [f"user.{index}", "张三", role, org]
        for index, (role, org) in enumerate(
            [
                ("区县(产业)工会审核人", "西湖区总工会"),  # half-width brackets
                ("区县（产业）工会审核人", "西湖区总工会"),
                (" 系统管理员 ", "杭州市总工会"),
                ("GRASSROOTS_CLERK", GRASSROOTS),
                ("审计人员", "杭州市总工会"),
                ("市总经济部人员", "杭州市总工会"),
            ]
        )
    ]
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows)

    import_staff(str(sheet), "--passwords-out", str(tmp_path / "p.csv"))

    roles = dict(StaffUser.objects.values_list("username", "role"))
    assert roles == {
        "user.0": "district_reviewer",
        "user.1": "district_reviewer",
        "user.2": "admin",
        "user.3": "grassroots_clerk",
        "user.4": "auditor",
        "user.5": "economic_officer",
    }
    assert StaffUser.objects.get(username="user.2").is_superuser  # an administrator, as create_staff makes one


def test_an_xlsx_sheet_is_read(xihu_grassroots, tmp_path):
    rows = [*rows_of_three(), [10086, "陈经办", "基层工会经办人", GRASSROOTS]]  # a user name typed as a number
    sheet = write_xlsx(tmp_path / "staff.xlsx", HEADER, rows)

    said = import_staff(str(sheet), "--passwords-out", str(tmp_path / "p.csv"))

    assert "新建 4 个账号" in said
    assert StaffUser.objects.get(username="10086").full_name == "陈经办"


def test_a_gb18030_csv_is_read(xihu_grassroots, tmp_path):
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three(), encoding="gb18030")
    assert sheet.read_bytes().find("王审核".encode("gb18030")) > 0

    import_staff(str(sheet), "--passwords-out", str(tmp_path / "p.csv"))

    assert StaffUser.objects.get(username="xihu.wang").full_name == "王审核"
    assert StaffUser.objects.get(username="jm.li").organisation == xihu_grassroots


def test_a_dry_run_lists_what_would_be_created_and_writes_nothing(xihu_grassroots, tmp_path):
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())
    out = tmp_path / "passwords.csv"

    said = import_staff(str(sheet), "--dry-run", "--passwords-out", str(out))

    assert "试运行，未写入任何数据" in said and "将新建 3 个账号" in said
    assert "第 3 行：jm.li（李经办，基层工会经办人，杭州西湖精密机械有限公司工会）将新建" in said
    assert not StaffUser.objects.exists() and not out.exists()
    assert not AuditEvent.objects.filter(action__in=["staff.create", "staff.import"]).exists()
    assert "正式导入时须用 --passwords-out" in import_staff(str(sheet), "--dry-run")


def test_a_dry_run_with_a_bad_row_fails(xihu_grassroots, tmp_path):
    sheet = write_csv(tmp_path / "staff.csv", HEADER, [["a.b", "张三", "district_reviewer", "杭州市总工会"]])
    with pytest.raises(CommandError, match="有 1 行有问题"):
        import_staff(str(sheet), "--dry-run")


def test_an_existing_passwords_file_is_refused_and_kept(xihu_grassroots, tmp_path):
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())
    out = tmp_path / "passwords.csv"
    out.write_text("earlier passwords")

    with pytest.raises(CommandError, match="已存在：请另指定一个新文件"):
        import_staff(str(sheet), "--passwords-out", str(out))
    with pytest.raises(CommandError, match="已存在"):
        import_staff(str(sheet), "--passwords-out", str(out), "--dry-run")

    assert out.read_text() == "earlier passwords"
    assert not StaffUser.objects.exists()


def test_a_symbolic_link_as_the_passwords_file_is_refused(xihu_grassroots, tmp_path):
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())
    (tmp_path / "p.csv").symlink_to(tmp_path / "elsewhere.csv")  # dangling: O_EXCL still refuses it

    with pytest.raises(CommandError, match="已存在"):
        import_staff(str(sheet), "--passwords-out", str(tmp_path / "p.csv"))

    assert not (tmp_path / "elsewhere.csv").exists() and not StaffUser.objects.exists()


def test_accounts_to_create_need_a_passwords_file(xihu_grassroots, tmp_path):
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())

    with pytest.raises(CommandError, match="请用 --passwords-out 指定"):
        import_staff(str(sheet))

    assert not StaffUser.objects.exists()


def test_a_passwords_file_that_cannot_be_written_creates_nothing(xihu_grassroots, tmp_path, monkeypatch):
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())
    out = tmp_path / "passwords.csv"

    def full_disk(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("rewards.organisations.staff_import.os.fsync", full_disk)
    with pytest.raises(CommandError, match=r"无法写入密码文件.*磁盘空间不足.*未创建任何账号"):
        import_staff(str(sheet), "--passwords-out", str(out))

    assert not StaffUser.objects.exists() and not out.exists()
    assert not AuditEvent.objects.filter(action__in=["staff.create", "staff.import"]).exists()
    with pytest.raises(CommandError, match="不存在"):
        import_staff(str(sheet), "--passwords-out", str(tmp_path / "no-such-folder" / "p.csv"))


def test_a_sheet_without_a_column_is_refused_whole(xihu_grassroots, tmp_path):
    sheet = write_csv(tmp_path / "staff.csv", ["用户名", "姓名", "角色"], [["a.b", "张三", "auditor"]])
    with pytest.raises(CommandError, match="表头缺少列：所属组织"):
        import_staff(str(sheet), "--passwords-out", str(tmp_path / "p.csv"))


def test_second_factor_roles_are_told_to_enrol_at_the_first_sign_in(xihu_grassroots, tmp_path, settings):
    settings.STAFF_MFA_ROLES = ["finance_officer", "admin"]
    sheet = write_csv(tmp_path / "staff.csv", HEADER, rows_of_three())
    out = tmp_path / "passwords.csv"

    said = import_staff(str(sheet), "--passwords-out", str(out))

    assert "其中 1 个账号的角色须用两步验证" in said
    password = next(line["初始密码"] for line in read_passwords(out) if line["用户名"] == "fin.zhao")
    assert web_login(web_client(), "fin.zhao", password)["Location"] == "/staff/login/enrol"


def test_a_drawn_password_is_long_readable_and_passes_the_validators():
    drawn = {new_password() for _ in range(200)}
    assert len(drawn) == 200
    for password in drawn:
        groups = password.split("-")
        assert [len(group) for group in groups] == [4, 4, 4, 4]
        assert set("".join(groups)) <= set(PASSWORD_ALPHABET)
    assert not set(PASSWORD_ALPHABET) & set("0O1lIi")
