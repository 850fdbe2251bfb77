"""Operations tests: each test gets its own private storage folder, so that wiping and restoring
it never touches the files of tests running beside it."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def storage_root(settings, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "private"
    root.mkdir(mode=0o700)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root), "base_url": None}},
    }
    return root
