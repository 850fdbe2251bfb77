"""How long a staff sign-in lasts, on the pages and through the API alike (SECURITY.md 10:
idle timeout 30 minutes and absolute 12 hours for staff; ASVS 7.3.1/7.3.2).

One pair of settings decides both channels: ``STAFF_SESSION_IDLE_MINUTES`` (30) ends a page
session or an API token left unused that long, and ``STAFF_SESSION_MAX_HOURS`` (12) bounds
either however busy. An API token may be given a shorter life, ``STAFF_TOKEN_MAX_HOURS`` (8, as
tokens had before the idle limit; decision 134), never a longer one.
"""

from __future__ import annotations

from django.conf import settings

#: The last activity is written at most once a minute (a session write or a token ``UPDATE`` a
#: minute, not one per request). The idle clock therefore runs from a time up to a minute before
#: the last request: a sign-in ends at most a minute early, never late.
SEEN_RESOLUTION = 60


def idle_seconds() -> int:
    """Without a request for longer than this, a page session or an API token ends."""
    return int(settings.STAFF_SESSION_IDLE_MINUTES) * 60


def session_max_seconds() -> int:
    """A page session ends this long after sign-in, however busy."""
    return int(settings.STAFF_SESSION_MAX_HOURS) * 3600


def token_max_seconds() -> int:
    """An API token ends this long after it was issued, however busy: ``STAFF_TOKEN_MAX_HOURS``,
    at most ``STAFF_SESSION_MAX_HOURS``."""
    hours = min(int(getattr(settings, "STAFF_TOKEN_MAX_HOURS", settings.STAFF_SESSION_MAX_HOURS)), int(settings.STAFF_SESSION_MAX_HOURS))
    return hours * 3600
