"""What a worker reads when a material is refused: an iPhone's HEIC photo is named as such, with
how to get a JPEG; another kind of file gets the plain rule."""

from __future__ import annotations

import io

from rewards.applications.materials import check_upload


def test_a_heic_photo_is_told_how_to_become_a_jpeg():
    checked, reason = check_upload("id_card", io.BytesIO(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 500))
    assert checked is None and reason is not None
    assert "HEIC" in reason and "兼容性最佳" in reason and "截屏" in reason


def test_another_kind_of_file_gets_the_plain_rule():
    checked, reason = check_upload("id_card", io.BytesIO(b"PK\x03\x04 a word document"))
    assert checked is None and reason is not None
    assert reason.endswith("只接受 JPEG、PNG 图片或 PDF 文件。") and "HEIC" not in reason
