"""Reads of the registries."""

from __future__ import annotations

from .models import Member


def member_by_id_hash(id_hash: str) -> Member | None:
    """The member registry's record of one person (会员库), with the unions it names."""
    return Member.objects.select_related("union", "grassroots_union").filter(id_hash=id_hash).first()
