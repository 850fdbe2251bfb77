"""A signal or a stored rule result as one reviewer reads it: other applications named only to
whom may open them (decision 221's rule for the batch channel, applied to the signals and to the
rule results the detail shows).

A shared card or certificate names the other people's applications
(``该银行卡号也用于他人的申请（2021000003；2020年度：2020000005）。``, :func:`~.flags.shared_sentence`).
The stored sentence keeps every number: it is the facts a resolution answered, and a changed
sentence raises a resolved signal again (:func:`~.flags.refresh_flags`). What a reader is shown
is worked out when it is shown: a number of an application outside the reader's subtree (which
the reader could not open: a 404 and an access-denial entry) is left out and counted,
“另有其他单位的申请 1 份”; city staff see every number. A resolution note is free text that may
quote a number too: such a number reads “其他单位的申请”.

The rule results stored with an application (:func:`checks_as_seen`) are read the same way: a
once-a-year message naming the person's application under another union (“该职工已获得2020年度
奖励（申请编号2020000001）…”, stored as the rules wrote it) reads “（其他单位的申请）” there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rewards.applications.models import Application, FlagCode
from rewards.eligibility.services import staff_checks

from .services import scoped_applications

if TYPE_CHECKING:
    from rewards.organisations.models import StaffUser

#: The sentence :func:`~.flags.shared_sentence` writes: its subject, then groups split by ；.
_SHARED = re.compile(r"^该(?P<subject>[^（）]+?)也用于他人的申请（(?P<groups>[^（），]+)(?P<total>，共 \d+ 份)?）。$")
#: Another campaign's group: ``2020年度：2020000005、2020000007``.
_YEAR_GROUP = re.compile(r"^(?P<year>\d{4})年度：(?P<numbers>.+)$")
#: A digit run as long as an application number may be (the year and a six-digit counter and up),
#: with the label the rules put before it (“申请编号2020000001”): a hidden number takes its label.
_NUMBER = re.compile(r"(?:申请编号)?(?<![\d*])(?P<number>\d{10,20})(?![\d*])")
SHARED_CODES = frozenset({FlagCode.CARD_SHARED, FlagCode.CERTIFICATE_SHARED})
ELSEWHERE = "其他单位的申请"


def _unreadable(user: StaffUser, texts: Iterable[str], *, listed: Iterable[str] = ()) -> frozenset[str]:
    """The application numbers in ``texts`` that ``user`` may not open. City staff open every
    application (no query); otherwise one query, two when some number is not one the reader may
    open, and none when no text holds a number. A number of no application is no application's
    number in free text (a certificate number, a mobile: it stays as written); in the sentences
    that only list application numbers (``listed``) it is one the reader may not open (an
    application purged since, say)."""
    candidates = {match["number"] for text in texts for match in _NUMBER.finditer(text)}
    organisation = getattr(user, "organisation", None)
    if not candidates or (organisation is not None and organisation.parent_id is None and organisation.kind == "city"):
        return frozenset()
    readable = set(scoped_applications(user).filter(application_no__in=candidates).values_list("application_no", flat=True))
    others = candidates - readable
    if not others:
        return frozenset()
    elsewhere = set(Application.objects.filter(application_no__in=others).values_list("application_no", flat=True))
    return frozenset(elsewhere | (others & {match["number"] for text in listed for match in _NUMBER.finditer(text)}))


def _shared_as_seen(message: str, hidden: frozenset[str]) -> str | None:
    """The shared-card or shared-certificate sentence without the ``hidden`` numbers, each group
    (this campaign's, then each earlier year's) saying how many it left out; ``None`` when the
    message is not such a sentence."""
    match = _SHARED.match(message)
    if match is None:
        return None
    parts = []
    for group in match["groups"].split("；"):
        year = _YEAR_GROUP.match(group)
        numbers = (year["numbers"] if year else group).split("、")
        shown = [number for number in numbers if number not in hidden]
        left_out = len(numbers) - len(shown)
        said = "、".join(shown)
        if left_out:
            said += ("，另有" if shown else "") + f"{ELSEWHERE} {left_out} 份"
        parts.append(f"{year['year']}年度：{said}" if year else said)
    return f"该{match['subject']}也用于他人的申请（{'；'.join(parts)}{match['total'] or ''}）。"


def _free_text_as_seen(text: str, hidden: frozenset[str]) -> str:
    return _NUMBER.sub(lambda match: ELSEWHERE if match["number"] in hidden else match.group(0), text) if hidden else text


def signals_as_seen(user: StaffUser, flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The detail's signals (``code``, ``message``, ``resolution_note`` …) as ``user`` reads
    them: copies, the stored sentences untouched."""
    hidden = _unreadable(
        user,
        [text for flag in flags for text in (flag["message"], flag["resolution_note"])],
        listed=[flag["message"] for flag in flags if flag["code"] in SHARED_CODES and _SHARED.match(flag["message"])],
    )
    if not hidden:
        return flags
    seen = []
    for flag in flags:
        message = (_shared_as_seen(flag["message"], hidden) if flag["code"] in SHARED_CODES else None) or _free_text_as_seen(
            flag["message"], hidden
        )
        seen.append({**flag, "message": message, "resolution_note": _free_text_as_seen(flag["resolution_note"], hidden)})
    return seen


def checks_as_seen(user: StaffUser, checks: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The rule results stored with an application as ``user`` reads them: about 该职工
    (:func:`~rewards.eligibility.services.staff_checks`, decision 97), an application number the
    reader may not open read “其他单位的申请”; copies, the stored results untouched."""
    said = staff_checks(checks)
    hidden = _unreadable(user, [str(check.get("message", "")) for check in said])
    if not hidden:
        return said
    return [{**check, "message": _free_text_as_seen(str(check.get("message", "")), hidden)} for check in said]
