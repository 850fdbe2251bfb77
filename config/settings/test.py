"""Tests: fixed throwaway keys, fast hashing, the real database engine chosen by DATABASE_URL."""

import base64
import os

from .base import *  # noqa: F403
from .base import DATA_DIR

SECRET_KEY = "test-only-" + "x" * 40
FIELD_ENCRYPTION_KEY = base64.urlsafe_b64encode(b"t" * 32).decode()
FIELD_ENCRYPTION_OLD_KEYS = []
BLIND_INDEX_KEY = base64.urlsafe_b64encode(b"b" * 32).decode()
AUDIT_CHAIN_KEY = base64.urlsafe_b64encode(b"a" * 32).decode()
# One per test process, removed before every test (tests/conftest.py): a test's anchor must not
# stand against the next test's log.
AUDIT_ANCHOR_FILE = str(DATA_DIR / f"test-audit-anchor-{os.getpid()}.jsonl")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "rewards.identity.hashers.TwoPartPasswordHasher"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "test-private"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
SMS_BACKEND = "console"
APP_TODAY = None

# A file, not the in-memory database, when testing on SQLite: the live server of the browser
# tests answers in several threads at once, which an in-memory shared-cache database refuses
# ("database table is locked") where a file in WAL mode waits on its busy timeout, as deployed.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per test process: two runs at once (CI and a developer, or parallel helpers)
    # must not share, and so destroy, each other's test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-db-{os.getpid()}.sqlite3")}  # noqa: F405
