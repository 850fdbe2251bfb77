"""Reads of the registries."""

from __future__ import annotations

from .models import ImportKind, ImportRun, Member


def member_by_id_hash(id_hash: str) -> Member | None:
    """The member registry's record of one person (会员库), with the unions it names."""
    return Member.objects.select_related("union", "grassroots_union").filter(id_hash=id_hash).first()


def roster_import(year: int) -> ImportRun | None:
    """The latest finished ``import_awards --year`` run of ``year`` (its roster in the system)."""
    return ImportRun.objects.filter(kind=ImportKind.AWARDS, year=year, finished_at__isnull=False).order_by("-finished_at").first()
