"""Words on the pages: ``{{ message|whole_dates }}``, a sentence whose dates never break across
lines.

Chinese text may break between any two characters, and Chromium breaks between a number and the
character after it: at 360 px a rule's “2020年12月15日” ended one line with “2020年12” and began
the next with “月15日”, and “2020年度” as “2020年” and “度”. Each date (and each “2020年度”, “2020年”) goes in a
``nowrap`` span, the text around it escaped first and left to wrap as before. ``word-break:
keep-all`` on the sentence is not the answer: it keeps every run of Chinese whole and breaks only
at punctuation, leaving half-empty lines.
"""

from __future__ import annotations

import re

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeData, SafeString

register = template.Library()

#: A date as the rules and pages write it (2020年12月15日, 2020年12月), a year (2020年) or a
#: campaign's year (2020年度); not the tail of a longer number.
DATE = re.compile(r"(?<!\d)\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?|度)?")


@register.filter
def whole_dates(value: object) -> SafeString:
    """``value`` escaped, each date in it in a ``<span class="nowrap">``; markup already made
    safe is left as it is."""
    if isinstance(value, SafeData):
        return value  # type: ignore[return-value]
    text = "" if value is None else str(value)
    pieces, at = [], 0
    for match in DATE.finditer(text):
        pieces.append((text[at : match.start()], match.group(0)))
        at = match.end()
    return format_html_join("", '{}<span class="nowrap">{}</span>', pieces) + format_html("{}", text[at:])
