"""上传修改后的文件 on an unsaved check replaces it: the corrected file has another digest, yet the
earlier check reads 未保存，已重新上传, links to the newer one and cannot be saved (page or
service), while the newer one can. Two different files of one union uploaded without replacing
each other both stay saveable: saving the second finds the rows the first saved 已存在. Another
union's check, or a colleague's, is never replaced."""

from __future__ import annotations

import pytest

from rewards.applications.models import Application
from rewards.batches.imports import import_confirm, import_discard, lapse, left_out
from rewards.batches.models import BatchImport, ImportStatus
from rewards.core.errors import Conflict
from rewards.core.models import AuditEvent
from rewards.organisations.models import OrgKind, Role
from rewards.organisations.services import organisation_ensure
from tests import factories
from tests.batches.sheets import row_for, sheet
from tests.conftest import _staff

from .conftest import EMPLOYER
from .test_batch_lapsed_previews import _recent_row
from .test_batch_pages import latest_import, signed_in, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbour(xihu):  # type: ignore[no-untyped-def]
    """Another grassroots union of the same district, its clerk and two of its members."""
    union, _ = organisation_ensure(name="杭州西湖另一家公司工会", kind=OrgKind.GRASSROOTS, parent=xihu)
    clerk = _staff("xihu.other.clerk", Role.GRASSROOTS_CLERK, union)
    members = [factories.make_member(union=xihu, grassroots=union, employer="杭州西湖另一家公司") for _ in range(2)]
    return union, clerk, members


def _fresh(batch_import: BatchImport) -> BatchImport:
    return BatchImport.objects.get(pk=batch_import.pk)


def test_the_preview_offers_to_upload_its_replacement(clerk, workers):
    upload(clerk, sheet([row_for(workers[0])]))
    first = latest_import()
    page = clerk.get(f"/staff/batch/{first.pk}/").content.decode()
    assert f'href="/staff/batch/?replaces={first.pk}">上传修改后的文件' in page
    form = clerk.get(f"/staff/batch/?replaces={first.pk}").content.decode()
    assert f'name="replaces" value="{first.pk}"' in form
    assert f"导入记录 {first.pk}</a>（汇总表.xlsx" in form and "上传后原检查结果不能再保存" in form


def test_a_corrected_file_uploaded_from_the_preview_supersedes_it(clerk, workers, grassroots_clerk):
    upload(clerk, sheet([row_for(workers[0]), row_for(workers[1], seq="2", bank_card_no="6222021234567890123")]))
    first = latest_import()
    assert lapse(first) == "" and "查看并保存" in _recent_row(clerk, first)

    upload(clerk, sheet([row_for(workers[0]), row_for(workers[1], seq="2")]), replaces=first.pk)
    second = latest_import()
    assert second.pk != first.pk and second.sha256 != first.sha256 and second.replaces_id == first.pk
    assert AuditEvent.objects.filter(action="batch.import_start", object_id=str(second.pk), detail__replaces=first.pk).exists()

    line = _recent_row(clerk, first)
    assert "未保存，已重新上传" in line and "查看并保存" not in line
    assert "查看并保存" in _recent_row(clerk, second)
    page = clerk.get(f"/staff/batch/{first.pk}/").content.decode()
    said = f"此后已上传修改后的文件（导入记录 {second.pk}）替换本次检查结果，该检查结果不能再保存：请在较新的检查结果中确认保存。"
    assert "检查结果（未保存，已重新上传）" in page and said in page
    assert f'href="/staff/batch/{second.pk}/"' in page and "保存可导入的" not in page
    assert "?replaces=" not in page  # a superseded check is replaced no more

    response = clerk.post(f"/staff/batch/{first.pk}/save", follow=True)
    assert said in response.content.decode()
    assert _fresh(first).status == ImportStatus.CHECKED and not Application.objects.exists()
    with pytest.raises(Conflict) as refused:  # the service, whoever calls it
        import_confirm(user=grassroots_clerk, batch_import=_fresh(first))
    assert refused.value.message == said and not Application.objects.exists()

    clerk.post(f"/staff/batch/{second.pk}/save")
    assert _fresh(second).status == ImportStatus.DONE
    assert Application.objects.filter(id_hash__in=[workers[0].id_hash, workers[1].id_hash]).count() == 2
    assert _fresh(first).status == ImportStatus.CHECKED and lapse(_fresh(first)) == "superseded"


def test_a_replacement_dropped_or_unreadable_leaves_the_earlier_check_saveable(clerk, workers):
    upload(clerk, sheet([row_for(workers[0])]))
    first = latest_import()
    upload(clerk, sheet([row_for(workers[0]), row_for(workers[1], seq="2")]), replaces=first.pk)
    second = latest_import()
    assert lapse(_fresh(first)) == "superseded"
    clerk.post(f"/staff/batch/{second.pk}/discard")
    assert lapse(_fresh(first)) == "" and "查看并保存" in _recent_row(clerk, first)
    clerk.post(f"/staff/batch/{first.pk}/save")
    assert _fresh(first).status == ImportStatus.DONE and Application.objects.count() == 1


def test_two_files_uploaded_without_replacing_both_stay_saveable(clerk, workers):
    """Neither replaces the other (the preview's own link was not used): the clerk may mean two
    lots. The rows they share are saved once: the later saving finds them 已存在."""
    upload(clerk, sheet([row_for(workers[0]), row_for(workers[1], seq="2")]))
    first = latest_import()
    upload(clerk, sheet([row_for(workers[1]), row_for(workers[2], seq="2")]))
    second = latest_import()
    assert second.replaces_id is None
    assert lapse(_fresh(first)) == "" and lapse(_fresh(second)) == ""
    assert "查看并保存" in _recent_row(clerk, first) and "查看并保存" in _recent_row(clerk, second)

    clerk.post(f"/staff/batch/{second.pk}/save")
    assert lapse(_fresh(first)) == ""
    clerk.post(f"/staff/batch/{first.pk}/save")
    first = _fresh(first)
    assert first.status == ImportStatus.DONE and (first.accepted, first.unchanged) == (1, 1)
    assert Application.objects.filter(id_hash=workers[1].id_hash).count() == 1
    assert Application.objects.count() == 3


def test_another_unions_or_a_colleagues_check_is_never_replaced(clerk, workers, xihu_reviewer, xihu_grassroots, neighbour):
    union, other_clerk, members = neighbour
    theirs = signed_in(other_clerk)
    upload(theirs, sheet([row_for(members[0])]))
    foreign = latest_import()
    assert foreign.org_id == union.pk and lapse(foreign) == ""

    # Out of the clerk's scope: a 404 recorded as an access denial, nothing stored.
    count = BatchImport.objects.count()
    for response in (clerk.get(f"/staff/batch/?replaces={foreign.pk}"), upload(clerk, sheet([row_for(workers[0])]), replaces=foreign.pk)):
        assert response.status_code == 404
    assert BatchImport.objects.count() == count
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(foreign.pk), detail__what="replace").count() == 2

    # In the district's scope, but not its upload: an ordinary upload, replacing nothing.
    district = signed_in(xihu_reviewer)
    assert 'name="replaces"' not in district.get(f"/staff/batch/?replaces={foreign.pk}").content.decode()
    upload(district, sheet([row_for(members[1])]), org=union.name, replaces=foreign.pk)
    assert latest_import().replaces_id is None and lapse(_fresh(foreign)) == ""

    # The district's own check of one union, its replacement uploaded for another: refused whole.
    upload(district, sheet([row_for(workers[0])]), org=xihu_grassroots.name)
    own = latest_import()
    form = district.get(f"/staff/batch/?replaces={own.pk}").content.decode()
    assert f'<option value="{xihu_grassroots.name}" selected>' in form
    response = upload(district, sheet([row_for(members[1])]), org=union.name, replaces=own.pk)
    assert response.status_code == 400
    assert f"要替换的导入记录 {own.pk} 是{xihu_grassroots.name}2020年度的汇总表" in response.content.decode()
    assert latest_import().pk == own.pk and lapse(_fresh(own)) == "" and lapse(_fresh(foreign)) == ""


def test_a_superseded_preview_offers_no_discarding_and_the_server_refuses_it(clerk, workers, grassroots_clerk):
    """The old preview says it cannot be saved and points to the newer one, which the clerk saves
    or discards; a 放弃本次导入 button there read as if it dropped the corrected file too. It is
    not offered, and a discard posted anyway is refused in Chinese, the old check left as it was
    (it is saveable again should the newer upload be discarded)."""
    upload(clerk, sheet([row_for(workers[0]), row_for(workers[1], seq="2", bank_card_no="6222021234567890123")]))
    first = latest_import()
    upload(clerk, sheet([row_for(workers[0]), row_for(workers[1], seq="2")]), replaces=first.pk)
    second = latest_import()
    assert lapse(_fresh(first)) == "superseded"

    page = clerk.get(f"/staff/batch/{first.pk}/").content.decode()
    assert "放弃本次导入" not in page and f"/staff/batch/{first.pk}/discard" not in page
    assert "放弃本次导入</button>" in clerk.get(f"/staff/batch/{second.pk}/").content.decode()

    said = f"此后已上传修改后的文件（导入记录 {second.pk}）替换本次检查结果，无需放弃本次导入：请在较新的检查结果中保存或放弃。"
    response = clerk.post(f"/staff/batch/{first.pk}/discard", follow=True)
    assert said in response.content.decode()
    assert _fresh(first).status == ImportStatus.CHECKED and _fresh(first).sheet_path
    assert not AuditEvent.objects.filter(action="batch.import_discard").exists()
    with pytest.raises(Conflict) as refused:  # the service, whoever calls it
        import_discard(user=grassroots_clerk, batch_import=_fresh(first))
    assert refused.value.message == said

    clerk.post(f"/staff/batch/{second.pk}/discard")
    assert _fresh(second).status == ImportStatus.DISCARDED and lapse(_fresh(first)) == ""
    assert "放弃本次导入</button>" in clerk.get(f"/staff/batch/{first.pk}/").content.decode()


def test_the_same_sheet_uploaded_again_leaves_no_discarding_on_the_older_preview(clerk, workers):
    content = sheet([row_for(workers[0])])
    upload(clerk, content)
    first = latest_import()
    upload(clerk, content)
    second = latest_import()
    assert lapse(_fresh(first)) == "superseded" and second.replaces_id is None
    assert "放弃本次导入" not in clerk.get(f"/staff/batch/{first.pk}/").content.decode()
    response = clerk.post(f"/staff/batch/{first.pk}/discard", follow=True)
    said = f"同一文件此后已重新上传（导入记录 {second.pk}），无需放弃本次导入：请在较新的检查结果中保存或放弃。"
    assert said in response.content.decode() and _fresh(first).status == ImportStatus.CHECKED


# --- a replacement that leaves out rows the earlier check could import (batchwalk) -----------


LEFT_OUT = "导入记录 {pk} 中可导入的 {n} 名职工不在本文件中"


def test_a_replacement_that_leaves_out_importable_rows_names_them_before_and_after_saving(clerk, workers):
    """The clerk downloads 有问题的行, fixes them and uploads that file with 上传修改后的文件: the
    earlier check's importable rows are not in it, and that check can no longer be saved. The
    new preview names whom it leaves out and how to bring them in; uploading the first file
    again as another file then saves them (the rows saved meanwhile read 已存在)."""
    original = sheet([row_for(workers[0]), row_for(workers[1], seq="2", bank_card_no="6222021234567890123"), row_for(workers[2], seq="3")])
    upload(clerk, original)
    first = latest_import()
    assert (first.count("valid"), first.count("rejected")) == (2, 1)
    upload(clerk, sheet([row_for(workers[1])]), replaces=first.pk)
    second = latest_import()

    page = clerk.get(f"/staff/batch/{second.pk}/").content.decode()
    said = LEFT_OUT.format(pk=first.pk, n=2)
    assert said in page and f"（{workers[0].name}、{workers[2].name}）" in page
    assert "把他们的行补进文件，再点“上传修改后的文件”" in page
    clerk.post(f"/staff/batch/{second.pk}/save")
    page = clerk.get(f"/staff/batch/{second.pk}/").content.decode()
    assert said in page and "本文件没有保存他们" in page
    assert not Application.objects.filter(id_hash__in=[workers[0].id_hash, workers[2].id_hash]).exists()

    upload(clerk, original)  # the way back the page gives: the first file as another file
    third = latest_import()
    assert (third.count("valid"), third.count("unchanged"), third.count("rejected")) == (2, 1, 0)
    assert LEFT_OUT.format(pk=first.pk, n=2) not in clerk.get(f"/staff/batch/{third.pk}/").content.decode()
    clerk.post(f"/staff/batch/{third.pk}/save")
    assert Application.objects.filter(id_hash__in=[workers[0].id_hash, workers[2].id_hash]).count() == 2
    # Brought in since: the corrected file's page no longer says they are left out.
    assert "名职工不在本文件中" not in clerk.get(f"/staff/batch/{second.pk}/").content.decode()


def test_a_replacement_holding_every_importable_row_says_nothing_of_the_kind(clerk, workers):
    upload(clerk, sheet([row_for(workers[0]), row_for(workers[1], seq="2", bank_card_no="6222021234567890123")]))
    first = latest_import()
    upload(clerk, sheet([row_for(workers[0]), row_for(workers[1], seq="2")]), replaces=first.pk)
    page = clerk.get(f"/staff/batch/{latest_import().pk}/").content.decode()
    assert "名职工不在本文件中" not in page


def test_the_replacing_form_says_the_importable_rows_belong_in_the_new_file(clerk, workers):
    upload(clerk, sheet([row_for(workers[0]), row_for(workers[1], seq="2", bank_card_no="6222021234567890123")]))
    first = latest_import()
    form = clerk.get(f"/staff/batch/?replaces={first.pk}").content.decode()
    assert "原检查结果中可导入的 1 行也须在新文件中" in form
    assert "只修改了下载的“有问题的行”的，请先在" in form
    assert f"导入记录 {first.pk}</a> 中保存可导入的行，再把改好的行作为另一份文件上传" in form
    page = clerk.get(f"/staff/batch/{first.pk}/").content.decode()
    assert "下载的表格只有有问题的行" in page


def test_once_the_newer_upload_is_saved_the_older_preview_no_longer_asks_to_save_it(clerk, workers):
    upload(clerk, sheet([row_for(workers[0]), row_for(workers[1], seq="2", bank_card_no="6222021234567890123")]))
    first = latest_import()
    upload(clerk, sheet([row_for(workers[0]), row_for(workers[1], seq="2")]), replaces=first.pk)
    second = latest_import()
    clerk.post(f"/staff/batch/{second.pk}/save")
    page = clerk.get(f"/staff/batch/{first.pk}/").content.decode()
    said = f"此后已上传修改后的文件（导入记录 {second.pk}）替换本次检查结果，该检查结果不能再保存（较新的导入已处理完毕）。"
    assert said in page and "请在较新的检查结果中确认保存" not in page
    response = clerk.post(f"/staff/batch/{first.pk}/discard", follow=True)
    assert "无需放弃本次导入（较新的导入已处理完毕）。" in response.content.decode()
    assert _fresh(first).status == ImportStatus.CHECKED


def test_a_namesake_in_the_corrected_file_does_not_hide_the_one_left_out(clerk, xihu, xihu_grassroots, workers):
    """Two importable 张伟 (two people), the corrected file holding one: one 张伟 is named as left
    out. Matched by name alone, the one in the file vouched for both and the other was lost."""
    twins = [factories.make_member(union=xihu, grassroots=xihu_grassroots, employer=EMPLOYER, name="张伟") for _ in range(2)]
    upload(clerk, sheet([row_for(twins[0]), row_for(twins[1], seq="2"), row_for(workers[0], seq="3", bank_card_no="6222021234567890123")]))
    first = latest_import()
    assert (first.count("valid"), first.count("rejected")) == (2, 1)
    upload(clerk, sheet([row_for(twins[0]), row_for(workers[0], seq="2")]), replaces=first.pk)
    second = latest_import()
    assert left_out(second) == ["张伟"]
    page = clerk.get(f"/staff/batch/{second.pk}/").content.decode()
    assert LEFT_OUT.format(pk=first.pk, n=1) in page and "（张伟）" in page
    clerk.post(f"/staff/batch/{second.pk}/save")  # its own 张伟 saved: still one left out
    assert left_out(_fresh(second)) == ["张伟"]
    upload(clerk, sheet([row_for(twins[1])]))  # the other 张伟, as another file, saved
    clerk.post(f"/staff/batch/{latest_import().pk}/save")
    assert left_out(_fresh(second)) == []
