"""Codes shown beside their Chinese names (``payment.results_import``): whole words, a line
break allowed only after a dot."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def dotted_code(code: object) -> SafeString:
    """``payment.results_import`` → ``payment.<wbr>results_import`` (each part escaped)."""
    parts = str(code or "").split(".")
    last = len(parts) - 1
    return format_html_join("", "{}{}", ((part, format_html("{}<wbr>", ".") if index < last else "") for index, part in enumerate(parts)))
