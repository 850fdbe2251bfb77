"""How a material reaches the disk: every byte as uploaded, in a new file readable by its owner
only, written whole even when the kernel takes it in several writes; a write that fails leaves
no file behind and says so."""

from __future__ import annotations

import errno
import os
import stat

import pytest
from django.core.files.storage import default_storage

from rewards.applications import materials
from rewards.core.errors import StorageUnavailable

#: Empty, one byte, around a page, a photo, larger than one write of some kernels' pipes.
SIZES = (0, 1, 4095, 4096, 4097, 200 * 1024 + 17, 3 * 1024 * 1024 + 5)


def written(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


@pytest.mark.parametrize("size", SIZES)
def test_every_byte_is_written_and_only_the_owner_can_read_the_file(size: int) -> None:
    content = os.urandom(size)
    name = materials.save_file(materials.new_name(2020), content)
    assert written(name) == content
    assert stat.S_IMODE(os.stat(default_storage.path(name)).st_mode) == 0o600


def test_a_short_write_is_continued_until_the_file_is_whole(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``write`` may take less than it is given (a signal, a nearly full pipe or disk)."""
    real_write = os.write
    sizes: list[int] = []

    def at_most_1000(descriptor, data):  # type: ignore[no-untyped-def]
        sizes.append(min(len(data), 1000))
        return real_write(descriptor, data[:1000])

    monkeypatch.setattr(materials.os, "write", at_most_1000)
    content = os.urandom(4500)
    assert written(materials.save_file(materials.new_name(2020), content)) == content
    assert sizes == [1000, 1000, 1000, 1000, 500]


def test_an_existing_name_is_never_overwritten() -> None:
    name = materials.save_file(materials.new_name(2020), b"first")
    with pytest.raises(StorageUnavailable):
        materials.save_file(name, b"second")
    assert written(name) == b"first"


def test_a_full_disk_leaves_no_file_and_says_so(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    real_write = os.write
    calls = {"n": 0}

    def full_after_first(descriptor, data):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(descriptor, data[: len(data) // 2])

    monkeypatch.setattr(materials.os, "write", full_after_first)
    name = materials.new_name(2020)
    with pytest.raises(StorageUnavailable):
        materials.save_file(name, os.urandom(100_000))
    assert not os.path.exists(default_storage.path(name))


def test_a_failure_reported_when_closing_leaves_no_file(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Network file systems may report a full disk or a quota only when the file is closed."""
    real_close = os.close
    closed: list[int] = []

    def quota_at_close(descriptor):  # type: ignore[no-untyped-def]
        closed.append(descriptor)
        real_close(descriptor)
        raise OSError(errno.EDQUOT, "Disk quota exceeded")

    monkeypatch.setattr(materials.os, "close", quota_at_close)
    name = materials.new_name(2020)
    with pytest.raises(StorageUnavailable):
        materials.save_file(name, os.urandom(10_000))
    monkeypatch.undo()
    assert len(closed) == 1  # closed once, not again after the failure
    assert not os.path.exists(default_storage.path(name))
