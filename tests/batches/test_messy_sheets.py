"""Sheets as clerks really fill them, and the command line as an operator really types it: hidden
rows, a second sheet, footers and a pre-numbered 序号 column, a person typed over the example row,
names written with a full stop, formulas without results, error cells; and a wrong path. Each is
said in Chinese and nothing is saved that the clerk did not mean."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from rewards.applications.models import Application

from .. import factories
from .sheets import row_for, sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def workers(xihu, xihu_grassroots, business_day):  # type: ignore[no-untyped-def]
    return [factories.make_member(union=xihu, grassroots=xihu_grassroots, employer="杭州西湖精密机械有限公司") for _ in range(3)]


def _import(clerk, path, *extra: str) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("import_batch", str(path), "--user", clerk.username, "--no-progress", *extra, stdout=out)
    return out.getvalue()


# --- the command line -------------------------------------------------------------------------


def test_a_wrong_path_is_said_in_chinese_and_nothing_is_written(grassroots_clerk, tmp_path):
    with pytest.raises(CommandError, match="找不到汇总表文件：.*未导入任何数据"):
        _import(grassroots_clerk, tmp_path / "没有这个文件.xlsx")
    with pytest.raises(CommandError, match="是一个文件夹"):
        _import(grassroots_clerk, tmp_path)
    present = tmp_path / "汇总表.xlsx"
    present.write_bytes(b"x")
    with pytest.raises(CommandError, match="找不到材料压缩包文件"):
        _import(grassroots_clerk, present, "--attachments", str(tmp_path / "材料.zip"))
    assert not Application.objects.exists()


def test_every_refused_row_can_be_written_out_beyond_the_fifty_printed(grassroots_clerk, workers, tmp_path, monkeypatch):
    from rewards.batches.management.commands import import_batch

    monkeypatch.setattr(import_batch, "SHOWN", 1)
    path = tmp_path / "汇总表.xlsx"
    rows = [row_for(workers[0]), row_for(workers[1], seq="2", bank_card_no="123"), row_for(workers[2], seq="3", bank_card_no="456")]
    path.write_bytes(sheet(rows))
    printed = _import(grassroots_clerk, path, "--check-only")
    assert "另有 1 行有问题，未在此列出：加 --rejected 文件名.xlsx 可写出全部。" in printed
    out = tmp_path / "有问题的行.xlsx"
    printed = _import(grassroots_clerk, path, "--check-only", "--rejected", str(out))
    assert "有问题的 2 行已写入" in printed
    written = list(load_workbook(out).active.iter_rows(min_row=4, values_only=True))
    assert [row[-2] for row in written] == [6, 7] and all("银行卡号" in row[-1] for row in written)
    assert not Application.objects.exists()
