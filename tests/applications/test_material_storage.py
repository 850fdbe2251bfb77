"""How a material reaches the disk (decision 95): whole blocks straight to the disk where the file
system takes direct writes, the rest through the page cache, every byte as uploaded, the file
readable by its owner only; a file system that refuses direct writes gets ordinary ones."""

from __future__ import annotations

import errno
import os
import stat

import pytest
from django.core.files.storage import default_storage

from rewards.applications import materials
from rewards.core.errors import StorageUnavailable

#: Around the block size: empty, one byte, one short of a block, a block, one past, a photo.
SIZES = (0, 1, 4095, 4096, 4097, 8192, 200 * 1024 + 17)


def written(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


@pytest.fixture
def direct_writes(settings):  # type: ignore[no-untyped-def]
    settings.MATERIALS_DIRECT_IO = True
    return settings


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("direct", [True, False], ids=["direct", "page-cache"])
def test_every_byte_is_written_and_only_the_owner_can_read_the_file(settings, size: int, direct: bool) -> None:
    settings.MATERIALS_DIRECT_IO = direct
    content = os.urandom(size)
    name = materials.save_file(materials.new_name(2020), content)
    assert written(name) == content
    assert stat.S_IMODE(os.stat(default_storage.path(name)).st_mode) == 0o600


def test_direct_writes_are_used_where_the_file_system_takes_them(direct_writes, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if not materials._DIRECT:
        pytest.fail("this platform has no O_DIRECT: the deployment target (Linux) has")
    opened: list[int] = []
    real_open = os.open

    def spy(path, flags, mode=0o777):  # type: ignore[no-untyped-def]
        opened.append(flags)
        return real_open(path, flags, mode)

    monkeypatch.setattr(materials.os, "open", spy)
    materials.save_file(materials.new_name(2020), os.urandom(10_000))
    assert opened and opened[-1] & materials._DIRECT


def test_the_setting_off_writes_through_the_page_cache(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings.MATERIALS_DIRECT_IO = False
    opened: list[int] = []
    real_open = os.open
    monkeypatch.setattr(materials.os, "open", lambda path, flags, mode=0o777: opened.append(flags) or real_open(path, flags, mode))
    content = os.urandom(10_000)
    assert written(materials.save_file(materials.new_name(2020), content)) == content
    assert opened and not opened[-1] & materials._DIRECT


def test_a_file_system_refusing_direct_files_gets_ordinary_ones(direct_writes, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """tmpfs before Linux 6.6 and some network file systems refuse ``O_DIRECT`` when opening."""
    real_open = os.open

    def refuse_direct(path, flags, mode=0o777):  # type: ignore[no-untyped-def]
        if flags & materials._DIRECT:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_open(path, flags, mode)

    monkeypatch.setattr(materials.os, "open", refuse_direct)
    content = os.urandom(50_000)
    assert written(materials.save_file(materials.new_name(2020), content)) == content


def test_a_file_system_refusing_the_first_direct_write_gets_an_ordinary_one(direct_writes, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Some accept ``O_DIRECT`` when opening and refuse the write itself."""
    real_write = os.write
    refused: list[int] = []

    def refuse_direct_write(descriptor, data):  # type: ignore[no-untyped-def]
        if materials.fcntl.fcntl(descriptor, materials.fcntl.F_GETFL) & materials._DIRECT:
            refused.append(descriptor)
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(descriptor, data)

    monkeypatch.setattr(materials.os, "write", refuse_direct_write)
    content = os.urandom(50_000)
    assert written(materials.save_file(materials.new_name(2020), content)) == content
    assert refused  # the direct write was tried, and refused


def test_a_full_disk_leaves_no_file_and_says_so(direct_writes, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    real_write = os.write
    calls = {"n": 0}

    def full_after_first(descriptor, data):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(descriptor, data[: len(data) // 2 // 4096 * 4096 or len(data)])

    monkeypatch.setattr(materials.os, "write", full_after_first)
    name = materials.new_name(2020)
    with pytest.raises(StorageUnavailable):
        materials.save_file(name, os.urandom(100_000))
    assert not os.path.exists(default_storage.path(name))


def test_a_buffer_is_reused_and_grows_for_a_larger_file(direct_writes) -> None:  # type: ignore[no-untyped-def]
    small = os.urandom(4096 * 3)
    large = os.urandom(3 * 1024 * 1024 + 5)  # larger than the first buffer (1 MB)
    for content in (small, large, small):
        assert written(materials.save_file(materials.new_name(2020), content)) == content
