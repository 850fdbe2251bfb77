"""The materials zip as clerks make it: on a Chinese Windows (GBK names without the UTF-8 flag),
with the kinds named in Chinese."""

from __future__ import annotations

import io
import zipfile

import pytest

from rewards.batches.materials_zip import entry_name, read_materials

from ..api.helpers import jpeg

ID = "330106199001010018"


def image() -> bytes:
    return jpeg().read()


def windows_zip(names: list[str]) -> bytes:
    """A zip whose names are GBK bytes without the UTF-8 flag (bit 11), as Windows' own
    "compressed folder" and many Chinese tools write them. zipfile writes non-ASCII names as
    UTF-8 with the flag, so each entry is written under an ASCII stand-in of the same length in
    bytes, then the stand-in's bytes are replaced (local header and central directory)."""
    buffer = io.BytesIO()
    stand_ins: dict[bytes, bytes] = {}
    with zipfile.ZipFile(buffer, "w") as archive:
        for index, name in enumerate(names):
            encoded = name.encode("gbk")
            stand_in = f"{index:02d}".encode() + b"~" * (len(encoded) - 2)
            stand_ins[stand_in] = encoded
            archive.writestr(stand_in.decode("ascii"), image())
    content = buffer.getvalue()
    for stand_in, encoded in stand_ins.items():
        assert content.count(stand_in) == 2
        content = content.replace(stand_in, encoded)
    return content


def test_gbk_names_without_the_utf8_flag_are_read_as_chinese():
    content = windows_zip([f"{ID}_身份证.jpg", f"材料/{ID}_证书.jpg", f"{ID}_银行卡.PDF", "雷华帆_身份证.jpg"])
    infos = zipfile.ZipFile(io.BytesIO(content)).infolist()
    assert not any(info.flag_bits & 0x800 for info in infos)
    assert "身份证" not in infos[0].filename  # what zipfile makes of it (cp437)
    assert [entry_name(info) for info in infos] == [f"{ID}_身份证.jpg", f"材料/{ID}_证书.jpg", f"{ID}_银行卡.PDF", "雷华帆_身份证.jpg"]
    found, problems = read_materials(content)
    assert sorted(found[ID]) == ["bank_card", "certificate", "id_card"]
    # The misnamed file is named as the clerk named it, with the rule to follow.
    assert problems == ["压缩包中的“雷华帆_身份证.jpg”未按“身份证号_身份证.jpg”“身份证号_证书.jpg”“身份证号_银行卡.jpg”命名，已忽略。"]


def test_a_name_that_is_not_gbk_stays_as_zipfile_read_it():
    info = zipfile.ZipInfo("x")
    info.filename = b"\x80\x80\xff.jpg".decode("cp437")  # neither UTF-8 nor GB18030
    assert entry_name(info) == info.filename


def test_utf8_names_with_the_flag_and_the_codes_still_count():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{ID}_身份证.jpg", image())  # UTF-8 with the flag
        archive.writestr(f"{ID}_等级证书.png", image())
        archive.writestr(f"{ID}_BANK_CARD.jpeg", image())
        archive.writestr("11010519491231002x_certificate.pdf", image())  # the codes, a lower-case x
    found, problems = read_materials(buffer.getvalue())
    assert problems == []
    assert sorted(found[ID]) == ["bank_card", "certificate", "id_card"]
    assert list(found["11010519491231002X"]) == ["certificate"]


def test_the_same_material_twice_is_noted():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{ID}_id_card.jpg", image())
        archive.writestr(f"{ID}_身份证.jpg", image())
    found, problems = read_materials(buffer.getvalue())
    assert list(found[ID]) == ["id_card"]
    assert problems == [f"“{ID}_id_card.jpg”和“{ID}_身份证.jpg”是同一职工的同一种材料（身份证（正反面）），只使用了后者“{ID}_身份证.jpg”。"]


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, image())
    return buffer.getvalue()


def test_names_as_clerks_type_them_spaces_hyphens_and_the_workers_name():
    found, problems = read_materials(
        _zip(
            [
                f"{ID} _身份证.jpg",
                f"张三_{ID}_ 证书.JPG",
                f"{ID}-张三-银行卡 .png",
                "330106199001010030-证书.jpg",
                "３３０１０６１９９００１０１００５０＿银行卡.jpg",
            ]
        )
    )
    assert problems == []
    assert sorted(found[ID]) == ["bank_card", "certificate", "id_card"]
    assert list(found["330106199001010030"]) == ["certificate"]
    assert list(found["330106199001010050"]) == ["bank_card"]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(f"1{ID}_身份证.jpg", id="19位数字"),
        pytest.param(f"{ID}_身份证2.jpg", id="种类后另有字"),
        pytest.param(f"{ID}_123_证书.jpg", id="中间是数字"),
        pytest.param("张三_身份证.jpg", id="没有身份证号"),
        pytest.param(f"{ID}_身份证.jpg.txt", id="扩展名不对"),
    ],
)
def test_a_name_without_exactly_one_id_and_a_kind_is_still_ignored(name):
    found, problems = read_materials(_zip([name]))
    assert found == {}
    assert problems == [f"压缩包中的“{name}”未按“身份证号_身份证.jpg”“身份证号_证书.jpg”“身份证号_银行卡.jpg”命名，已忽略。"]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(f"{ID}_身份证正反面.jpg", id="正反面"),
        pytest.param(f"{ID}身份证（正反面）.jpg", id="全角括号"),
        pytest.param(f"张三_{ID}_身份证 正反两面.JPG", id="正反两面"),
        pytest.param(f"{ID}_身份证两面.pdf", id="两面"),
    ],
)
def test_both_sides_in_the_name_is_the_id_card_itself(name):
    """身份证正反面 is what the material is (both sides in one file), not one side of it."""
    found, problems = read_materials(_zip([name]))
    assert problems == []
    assert list(found[ID]) == ["id_card"]


def test_something_else_after_both_sides_is_still_ignored():
    name = f"{ID}_身份证正反面2.jpg"
    found, problems = read_materials(_zip([name]))
    assert found == {}
    assert len(problems) == 1 and name in problems[0]


def test_one_side_of_an_id_card_is_said_to_belong_with_the_other():
    found, problems = read_materials(_zip([f"{ID}_身份证正面.jpg", f"{ID}_身份证反面.jpg", f"{ID}_证书.jpg"]))
    assert list(found[ID]) == ["certificate"]
    assert problems == [
        f"压缩包中的“{ID}_身份证{side}.jpg”只是身份证的一面，已忽略：身份证正反面须在同一个文件中（拍在一张照片上，或合成一个 PDF），命名为“身份证号_身份证.jpg”。"
        for side in ("正面", "反面")
    ]


def _damaged_at_its_data(content: bytes, name: str) -> bytes:
    """``content`` with the first byte of ``name``'s compressed data changed so that it cannot be
    inflated (its header and the directory intact)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = archive.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    damaged = bytearray(content)
    damaged[start] = 2  # a deflate block header of a reserved type: "invalid block type"
    return bytes(damaged)


def test_a_damaged_entry_is_said_and_the_others_are_used():
    """SECURITY.md 12: a photo whose data is damaged (zlib's own error, which is none of zipfile's)
    failed the whole upload with 处理文件时出错; it is ignored and named, as a cut one is."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{ID}_身份证.jpg", image())
        archive.writestr(f"{ID}_证书.jpg", image())
    content = _damaged_at_its_data(buffer.getvalue(), f"{ID}_证书.jpg")
    found, problems = read_materials(content)
    assert set(found[ID]) == {"id_card"}
    assert problems == [f"“{ID}_证书.jpg”无法解压，已忽略。"]


def test_an_entry_whose_name_is_cut_to_nothing_is_passed_over():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{ID}_身份证.jpg", image())
        archive.writestr("qqqqqqqq.txt", b"-")
    # The second name's first byte made NUL: zipfile cuts the name there, leaving it empty.
    content = buffer.getvalue().replace(b"qqqqqqqq.txt", b"\x00qqqqqqq.txt")
    found, problems = read_materials(content)
    assert set(found[ID]) == {"id_card"} and problems == []


# --- the number of entries, and the unpacked materials (decision 290) -----------------------------


def _many(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(count):
            archive.writestr(f"x/{index}.txt", b"")
    return buffer.getvalue()


@pytest.fixture
def read_directories(monkeypatch):  # type: ignore[no-untyped-def]
    """Counts zipfile's reads of a central directory (one ``ZipInfo`` per entry)."""
    calls: list[int] = []
    real = zipfile.ZipFile._RealGetContents  # type: ignore[attr-defined]

    def counted(self):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(self)

    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", counted)
    return calls


def test_too_many_entries_are_refused_before_zipfile_reads_the_directory(monkeypatch, read_directories):
    from rewards.batches import materials_zip
    from rewards.core.errors import InvalidInput

    monkeypatch.setattr(materials_zip, "MAX_ZIP_ENTRIES", 50)
    content = _many(51)
    assert materials_zip.entry_count(content) == 51
    assert materials_zip.zip_refusal(content).startswith("材料压缩包中的文件过多（超过 50 个）")
    with pytest.raises(InvalidInput) as refused:
        read_materials(content)
    assert refused.value.fields["attachments"][0].startswith("材料压缩包中的文件过多")
    assert read_directories == []
    assert materials_zip.zip_refusal(_many(50)) == "" and read_directories  # at the cap: read as before


def test_an_end_record_understating_the_entries_is_not_believed(monkeypatch, read_directories):
    """zipfile reads the directory by its size in bytes, not by the end record's count."""
    from rewards.batches import materials_zip

    monkeypatch.setattr(materials_zip, "MAX_ZIP_ENTRIES", 50)
    packed = bytearray(_many(200))
    end = packed.rfind(b"PK\x05\x06")
    packed[end + 8 : end + 12] = (1).to_bytes(2, "little") * 2  # "1 entry" on this disk and in all
    assert materials_zip.entry_count(bytes(packed)) == 51  # walked up to one past the cap
    assert "文件过多" in materials_zip.zip_refusal(bytes(packed)) and read_directories == []


def test_the_materials_are_temporary_files_closed_after_use(monkeypatch):
    from rewards.batches import materials_zip

    monkeypatch.setattr(materials_zip, "SPOOL_BYTES", 1024)
    large = image() + b"\0" * 4096  # past the spool's size: on disk, not in memory
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{ID}_身份证.jpg", large)
        archive.writestr(f"{ID}_证书.jpg", image())
    found, problems = read_materials(buffer.getvalue())
    assert problems == []
    handles = found[ID]
    assert not isinstance(handles["id_card"], bytes | bytearray)
    assert handles["id_card"]._rolled and not handles["certificate"]._rolled  # type: ignore[attr-defined]
    assert handles["id_card"].read() == large and handles["certificate"].read() == image()
    with materials_zip.materials_closed(found):
        pass
    assert handles["id_card"].closed and handles["certificate"].closed
