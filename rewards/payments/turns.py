"""Builds of one campaign's batches take turns, and the one that would wait is refused at once
(decision 241).

A build holds its campaign's turn until it commits: it draws the year's next batch number and
takes every payable application, so a second build started meanwhile would only get what the
first one left, after waiting the whole first build (8–16 s for 100 000 lines). It is refused
instead, with nothing written, and the officer looks again in a moment.

- PostgreSQL: the campaign's row, ``FOR NO KEY UPDATE NOWAIT`` inside the build's transaction
  (FOR NO KEY UPDATE: new rows that refer to the campaign are not held up, decision 234).
- SQLite: every write transaction already holds the database's only write lock, and a second
  one would sleep on the busy timeout (5 s) and then fail with "database is locked". A file
  lock beside the database, taken without waiting before the transaction begins and released
  after it ends, refuses a second build of the campaign before it queues for the write lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, connection

from rewards.campaigns.models import Campaign
from rewards.core.errors import Conflict

#: PostgreSQL's SQLSTATE for a lock NOWAIT could not take (``lock_not_available``).
LOCK_NOT_AVAILABLE = "55P03"


class BuildInProgress(Conflict):
    """Another build of the campaign's batches is under way."""

    code = "batch_build_in_progress"

    def __init__(self, campaign: Campaign) -> None:
        super().__init__(
            f"另一位财务人员正在生成{campaign.year}年度的核发批次（也可能是您刚才的提交尚未完成），本次没有生成。请稍后刷新查看。"
        )


def _lock_file(campaign: Campaign) -> Path:
    """One empty file per database and year, never removed (removing a lock file lets two
    holders lock two files of one name). Never the database file itself: closing any other
    handle on it drops the locks SQLite holds on it."""
    database = hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()[:12]
    return Path(settings.DATA_DIR) / f".payment-build-{database}-{campaign.year}.lock"


@contextmanager
def build_turn(campaign: Campaign) -> Iterator[None]:
    """Around the build's transaction: on SQLite, the campaign's file lock, or
    :class:`BuildInProgress` at once; elsewhere nothing (the row lock is taken inside)."""
    if connection.vendor != "sqlite":
        yield
        return
    fd = os.open(_lock_file(campaign), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildInProgress(campaign) from None
        yield  # closing the file releases the lock, after the transaction ended
    finally:
        os.close(fd)


def lock_campaign(campaign: Campaign) -> None:
    """The first statement of the build's transaction: the campaign's row lock, held until the
    commit, or :class:`BuildInProgress` at once when another transaction holds it."""
    try:
        Campaign.objects.select_for_update(no_key=True, nowait=True).filter(pk=campaign.pk).values_list("pk", flat=True).get()
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise BuildInProgress(campaign) from exc
        raise
