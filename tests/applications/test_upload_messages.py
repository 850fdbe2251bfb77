"""What a worker reads when a material is refused: an iPhone's HEIC photo is named as such, with
how to get a JPEG; another kind of file gets the plain rule; a photo cut short is told to be taken
again, one carrying data after its end (a motion photo's video) how to do without it."""

from __future__ import annotations

import io

from PIL import Image

from rewards.applications.materials import check_upload


def test_a_heic_photo_is_told_how_to_become_a_jpeg():
    checked, reason = check_upload("id_card", io.BytesIO(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 500))
    assert checked is None and reason is not None
    assert "HEIC" in reason and "兼容性最佳" in reason and "截屏" in reason


def test_another_kind_of_file_gets_the_plain_rule():
    checked, reason = check_upload("id_card", io.BytesIO(b"PK\x03\x04 a word document"))
    assert checked is None and reason is not None
    assert reason.endswith("只接受 JPEG、PNG 图片或 PDF 文件。") and "HEIC" not in reason


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "JPEG")
    return out.getvalue()


def test_a_photo_cut_short_is_told_to_be_taken_again():
    checked, reason = check_upload("id_card", io.BytesIO(_photo()[:-2]))
    assert checked is None and reason == "身份证（正反面）图片不完整，可能没有保存或传完，请重新拍摄后上传。"


def test_a_photo_with_a_video_after_it_is_told_how_to_do_without():
    checked, reason = check_upload("id_card", io.BytesIO(_photo() + b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64))
    assert checked is None and reason is not None
    assert "动态照片" in reason and "截屏" in reason and reason.count("。") == 1
