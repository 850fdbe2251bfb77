"""Numbers on the pages: ``{{ amount|yuan }}``, an amount in yuan with thousands separators and two
decimals (3,400.00); ``{{ count|thousands }}``, a head count or other whole number with thousands
separators (12,345), as the workbooks format them (``#,##0``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def yuan(value: object) -> str:
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)


@register.filter
def thousands(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, int):
        return str(value)  # not a count (a "—", a typed value shown back): as it is
    return f"{value:,}"
