"""单位统一申报 as a grassroots clerk does it: sign in, download the template, fill 50 workers
(3 with mistakes), upload, watch the background job, read every row's problems, save the 47
good rows, download the 3 refused rows, fix them in that file, re-import it, and end with 50
applications. Then one paper Annex 3 entered by hand, returned, corrected and resubmitted, and
one whose phone photo is made smaller in the page before it is sent.
Screenshots 50–59 and 93 in docs/screenshots/."""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.files.storage import default_storage
from openpyxl import load_workbook
from PIL import Image

from rewards.applications.models import Application, Attachment
from rewards.batches import imports, services
from rewards.batches.imports import import_run
from rewards.batches.models import BatchImport, ImportStatus
from rewards.batches.sheet import COLUMNS
from rewards.campaigns.services import campaign_load_notice
from rewards.core.vocab import Channel, Status
from rewards.organisations.models import OrgKind, Role, StaffUser
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import organisation_ensure, staff_create
from rewards.review.services import review_decide
from tests import factories
from tests.batches.sheets import row_for

from .conftest import STAFF_PASSWORD, screenshot
from .test_worker_flow import GPS_IFD, phone_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = STAFF_PASSWORD
EMPLOYER = "杭州西湖精密机械有限公司"
NAMES = (  # noqa: SIM905
    "张晓明 李建国 王芳 赵磊 孙丽 周强 吴敏 郑伟 陈静 刘洋 杨帆 黄磊 朱婷 胡军 林峰 何勇 高原 罗敏 梁辉 宋佳 谢娜 韩冰 唐杰 冯雪 许诺 "
    "邓超 曹阳 彭飞 曾瑶 萧然 田野 董明 潘虹 袁博 蒋欣 蔡琳 余洁 杜鹃 叶青 程亮 苏畅 魏来 吕方 丁宁 沈涛 任静 姚远 卢云 姜山 崔颖"
).split()


@pytest.fixture
def cast(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.APP_TODAY = "2020-10-15"
    settings.SHOW_DEMO_BANNER = True
    private = {"location": str(tmp_path / "private"), "base_url": None}
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": private}}
    # A file over 20 rows goes to the background worker; here the test plays the worker.
    settings.BATCH_SYNC_ROWS = 20
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    campaign_load_notice(year=2020)
    xihu = organisation_by_name("西湖区总工会")
    grassroots, _ = organisation_ensure(name=f"{EMPLOYER}工会", kind=OrgKind.GRASSROOTS, parent=xihu)
    staff_create(username="xihu.clerk", role=Role.GRASSROOTS_CLERK, organisation=grassroots, password=PASSWORD, full_name="钱经办")
    members = [factories.make_member(union=xihu, name=name, grassroots=grassroots, employer=EMPLOYER) for name in NAMES]
    return {"members": members, "grassroots": grassroots}


def sign_in(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/staff/login")
    page.fill("#id_username", "xihu.clerk")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#queue")


def header_columns(ws) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {cell.value: cell.column for cell in ws[3] if cell.value}


def run_the_worker(page=None) -> None:  # type: ignore[no-untyped-def]
    """What ``manage.py db_worker`` does for the queued job. With ``page`` (polling the
    import), the first progress report short of the end waits until the page shows it and
    takes its picture."""
    queued = BatchImport.objects.filter(status=ImportStatus.QUEUED).order_by("pk").last()
    assert queued is not None
    if page is None:
        import_run(queued.pk)
        return
    real = imports.check_and_save
    shown: list[int] = []

    def check_and_save(**kwargs):  # type: ignore[no-untyped-def]
        report = kwargs["progress"]

        def progress(done: int, total: int) -> None:
            report(done, total)
            if done < total and not shown:
                percent = BatchImport.objects.get(pk=queued.pk).percent
                page.wait_for_function(f"document.querySelector('#batch-live progress')?.value === {percent}", timeout=10_000)
                screenshot(page, "51-batch-progress")
                shown.append(percent)

        return real(**{**kwargs, "progress": progress})

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(imports, "check_and_save", check_and_save)
        patch.setattr(services, "CHUNK", 20, raising=False)  # progress reports every 20 rows here
        import_run(queued.pk)
    assert shown, "the page never showed the progress of the running job"


def test_a_clerk_imports_fifty_workers_fixes_three_and_reimports(cast, live_server, page_factory, tmp_path):
    page = page_factory(1440, 900)
    base = live_server.url
    members = cast["members"]
    sign_in(page, base)

    page.click("nav.staff-nav >> text=单位统一申报")
    page.wait_for_selector("#upload-title")
    screenshot(page, "50-batch-home")

    # The template, filled like a clerk would: 50 workers from row 5, three with mistakes.
    with page.expect_download() as info:
        page.click("text=下载模板（xlsx）")
    assert info.value.suggested_filename == "2020年度高技能人才奖励汇总表模板.xlsx"
    downloaded = tmp_path / info.value.suggested_filename
    info.value.save_as(downloaded)
    workbook = load_workbook(downloaded)
    ws = workbook.active
    assert ws["A2"].value == f"填报单位：{EMPLOYER}工会" and ws["A4"].value == "示例"
    mistakes = {
        7: {"id_number": members[7].id_number[:17] + ("0" if members[7].id_number[17] != "0" else "1")},
        19: {"bank_card_no": "6222021234567890123"},
        33: {"employer": "杭州没有工会的贸易有限公司"},
    }
    for index, member in enumerate(members):
        values = row_for(member, seq=str(index + 1), **mistakes.get(index, {}))
        for column, (field, _) in enumerate(COLUMNS, start=1):
            cell = ws.cell(row=5 + index, column=column, value=values.get(field, ""))
            cell.number_format = "@"
    filled = tmp_path / "西湖精密机械-汇总表.xlsx"
    workbook.save(filled)

    # Upload: more than 20 rows, so the background worker checks it while the page polls.
    page.set_input_files("#id_file", str(filled))
    page.click("text=上传并检查")
    page.wait_for_selector(".batch-progress")
    assert "排队等待处理" in page.inner_text("#batch-live")
    import_url = page.url
    run_the_worker(page)  # the page, polling, shows the progress and then the preview
    page.wait_for_selector(".batch-counts", timeout=10_000)

    # The clerk can leave and come back: the import waits in the list of recent uploads.
    page.click("nav.staff-nav >> text=单位统一申报")
    assert "已检查，待确认保存" in page.inner_text(".batch-recent")
    page.click(".batch-recent >> text=查看并保存")
    page.wait_for_selector(".batch-counts")
    assert page.url == import_url
    counts = page.locator(".batch-count strong").all_inner_texts()
    assert counts == ["47", "0", "3"]
    assert page.locator("tr.row-rejected").count() == 3
    problems = page.inner_text(".batch-rows")
    assert "校验位" in problems and "银行卡号校验不通过" in problems and "必须建立工会组织" in problems
    assert not Application.objects.exists()  # nothing saved before the clerk confirms
    screenshot(page, "52-batch-preview")
    page.click("text=只看有问题的行")
    page.wait_for_function("document.querySelectorAll('.batch-rows tbody tr').length === 3")
    screenshot(page, "53-batch-preview-problems")

    # Save: the background worker saves; the page's poll swaps in the result without a reload.
    page.click("text=保存可导入的 47 行")
    page.wait_for_selector(".batch-progress")
    run_the_worker()
    page.wait_for_selector("text=导入完成", timeout=10_000)
    assert page.locator(".batch-count strong").all_inner_texts() == ["47", "0", "3"]
    assert Application.objects.filter(channel=Channel.BATCH, status=Status.PENDING_GRASSROOTS).count() == 47
    screenshot(page, "54-batch-saved")

    # The three refused rows as an xlsx, fixed in that very file and imported again.
    with page.expect_download() as info:
        page.click("text=下载有问题的行（xlsx）")
    refused = tmp_path / info.value.suggested_filename
    assert refused.suffix == ".xlsx"
    info.value.save_as(refused)
    workbook = load_workbook(refused)
    ws = workbook.active
    columns = header_columns(ws)
    assert "错误原因" in columns
    fixed_rows = 0
    for row in range(4, ws.max_row + 1):
        original_row = ws.cell(row=row, column=columns["原行号"]).value
        if not original_row:
            continue
        member = members[int(original_row) - 5]
        ws.cell(row=row, column=columns["身份证号"], value=member.id_number)
        ws.cell(row=row, column=columns["银行卡号"], value=factories.new_card())
        ws.cell(row=row, column=columns["工作单位"], value=EMPLOYER)
        fixed_rows += 1
    assert fixed_rows == 3
    fixed = tmp_path / "未导入的行-已修改.xlsx"
    workbook.save(fixed)
    page.click("text=上传修改后的文件")
    page.set_input_files("#id_file", str(fixed))
    page.click("text=上传并检查")
    page.wait_for_selector(".batch-counts")  # 3 rows: checked at once
    assert page.locator(".batch-count strong").all_inner_texts() == ["3", "0", "0"]

    # Not this one after all: discarded (the page asks first), nothing saved, its files gone.
    staged = BatchImport.objects.order_by("-pk").first()
    assert staged is not None and staged.sheet_path
    sheet_path = staged.sheet_path
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=放弃本次导入")
    page.wait_for_selector("text=已放弃（未保存）")
    assert "没有保存任何一行" in page.inner_text("#batch-live")
    assert Application.objects.filter(channel=Channel.BATCH).count() == 47
    assert not default_storage.exists(sheet_path)
    screenshot(page, "55-batch-discarded")

    # Uploaded again and saved with the 初审 done: the three go straight to the district.
    page.click("text=上传新的文件")
    page.set_input_files("#id_file", str(fixed))
    page.click("text=上传并检查")
    page.wait_for_selector(".batch-counts")
    page.check("input[name=review_on_save]")
    screenshot(page, "55-batch-fixed-preview")
    page.click("text=保存可导入的 3 行")
    page.wait_for_selector("text=导入完成")
    assert page.locator(".batch-count strong").all_inner_texts() == ["3", "0", "0"]
    assert "保存时已完成初审" in page.inner_text("#batch-live")
    assert Application.objects.filter(channel=Channel.BATCH).count() == 50
    assert len({app.id_hash for app in Application.objects.all()}) == 50
    reviewed = Application.objects.filter(channel=Channel.BATCH, status=Status.PENDING_DISTRICT)
    assert reviewed.count() == 3 and all(app.events.filter(stage="基层工会初审", decision="approve").exists() for app in reviewed)

    # The first file once more: nothing new. The two rows fixed since then match their saved
    # applications (已存在); the wrong ID number still matches nobody and is still refused.
    page.click("text=上传新的文件")
    page.set_input_files("#id_file", str(filled))
    page.click("text=上传并检查")
    page.wait_for_selector(".batch-progress")
    run_the_worker()
    page.wait_for_selector(".batch-counts", timeout=10_000)
    assert page.locator(".batch-count strong").all_inner_texts() == ["0", "49", "1"]
    assert Application.objects.count() == 50
    page.click("nav.staff-nav >> text=单位统一申报")
    screenshot(page, "56-batch-history")
    assert not page_factory.outside


def open_paper_form(page, base, member, form, *, id_number=None, bank_card_no=None):  # type: ignore[no-untyped-def]
    """The clerk opens 逐人录入 and types a worker's paper Annex 3 form (without its scans)."""
    page.goto(base + "/staff/batch/")
    page.click("text=录入一份纸质申请表")
    page.wait_for_selector("#id_name")
    page.fill("#id_name", member.name)
    page.fill("#id_id_number", id_number or member.id_number)
    page.fill("#id_education", "高中")
    page.fill("#id_phone", member.phone)
    page.fill("#id_occupation", "车工")
    page.select_option("#id_new_level", "senior_worker")
    page.fill("#id_certificate_no", form["certificate_no"])
    page.fill("#id_certificate_issue_date", "2020-06-30")
    page.select_option("#id_issuer", "hr_hangzhou")
    page.fill("#id_bank_card_no", bank_card_no or form["bank_card_no"])
    page.fill("#id_bank_branch", "中国工商银行杭州西湖支行")


def test_a_clerk_enters_a_paper_form_and_corrects_it_after_a_return(cast, live_server, page_factory):
    page = page_factory(1440, 900)
    base = live_server.url
    member = cast["members"][0]
    form = factories.annex3(member, employer=EMPLOYER)
    sign_in(page, base)
    wrong_digit = "0" if member.id_number[17] != "0" else "1"
    open_paper_form(page, base, member, form, id_number=member.id_number[:17] + wrong_digit, bank_card_no="6222021234567890123")
    page.click("text=检查并保存")
    page.wait_for_selector(".entry-error-list")
    text = page.inner_text(".entry-error-list")
    assert "校验位" in text and "银行卡号校验不通过" in text
    screenshot(page, "57-batch-entry-errors")

    page.fill("#id_id_number", member.id_number)
    page.fill("#id_bank_card_no", form["bank_card_no"])
    page.click("text=检查并保存")
    page.wait_for_selector(".detail-head")
    application = Application.objects.get()
    assert application.status == Status.PENDING_GRASSROOTS and application.channel == Channel.BATCH
    assert application.application_no in page.inner_text(".flash-list")
    screenshot(page, "58-batch-entry-saved")

    # The clerk's own 初审 finds a mistake and returns it; the detail page offers the correction.
    clerk = StaffUser.objects.get(username="xihu.clerk")
    review_decide(user=clerk, application_no=application.application_no, decision="return", opinion="证书编号与证书复印件不一致，请核对。")
    page.goto(f"{base}/staff/applications/{application.application_no}")
    page.click("text=修改申请内容")
    page.wait_for_selector("#resubmit form #id_certificate_no")
    page.fill("#resubmit #id_certificate_no", "2020330100999")
    screenshot(page, "59-batch-returned-resubmit")
    page.click("#resubmit >> text=修改后重新提交 >> nth=-1")
    page.wait_for_selector(".flash-success")
    application.refresh_from_db()
    assert application.status == Status.PENDING_DISTRICT and application.certificate_no == "2020330100999"
    assert not page_factory.outside


def size_text(size: int) -> str:
    """A size as uploads.js writes it (``sizeText``)."""
    if size >= 1024 * 1024:
        return f"{(Decimal(size) / 1024 / 1024).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} MB"
    return f"{max(1, round(size / 1024))} KB"


def test_a_clerk_s_large_phone_photo_is_made_smaller_before_it_is_sent(cast, live_server, page_factory, tmp_path):
    """The clerk photographs a worker's certificate with a phone instead of scanning it: the page
    makes the photo smaller (decisions 64), so it passes the server's 5 MB cap."""
    big = phone_photo(tmp_path / "IMG_20201012_093015.jpg")
    size = big.stat().st_size
    assert size > 5 * 1024 * 1024  # too large to be sent as it is
    page = page_factory(1440, 900)
    base = live_server.url
    member = cast["members"][1]
    form = factories.annex3(member, employer=EMPLOYER)
    sign_in(page, base)
    open_paper_form(page, base, member, form)
    assert page.inner_text("#preview-id_certificate_file") == "尚未选择文件"

    page.set_input_files("#id_certificate_file", str(big))
    page.wait_for_selector("#preview-id_certificate_file :text('自动压缩')")
    page.wait_for_selector("#preview-id_certificate_file img")
    preview = page.inner_text("#preview-id_certificate_file")
    assert f"已从 {size_text(size)} 自动压缩" in preview
    assert "IMG_20201012_093015.jpg" in preview and "超过 5 MB" not in preview
    assert page.is_enabled("button:has-text('检查并保存')")  # disabled only while it was being made smaller
    page.locator("#field-certificate_file").scroll_into_view_if_needed()
    screenshot(page, "93-batch-entry-photo-shrunk")
    page.click("text=检查并保存")
    page.wait_for_selector(".detail-head")

    application = Application.objects.get()
    assert application.channel == Channel.BATCH and application.status == Status.PENDING_GRASSROOTS
    certificate = Attachment.objects.get(application=application, kind="certificate")
    with default_storage.open(certificate.storage_name, "rb") as handle:
        sent = handle.read()
    assert certificate.size == len(sent) < 2 * 1024 * 1024
    assert f"（{size_text(len(sent))}，已从" in preview  # what the preview said is what was sent
    with Image.open(io.BytesIO(sent)) as image:
        assert image.format == "JPEG" and image.size == (2560, 1920)  # the long side at most 2 560 px
        assert GPS_IFD not in image.getexif()  # the place it was taken stayed on the phone
    assert not page_factory.outside
