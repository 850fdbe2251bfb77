"""Reads of the union tree, and the one scoping function every staff query goes through."""

from __future__ import annotations

from typing import TypeVar

from django.db import models

from rewards.core.errors import NotFound
from rewards.core.text import org_key

from .models import Organisation, OrgKind

Q = TypeVar("Q", bound=models.QuerySet)


def scope_to_subtree(queryset: Q, user, *, org_field: str = "organisation", by_ids: bool = False) -> Q:  # type: ignore[no-untyped-def]
    """Only rows whose ``org_field`` lies in the caller's organisation subtree.

    Staff without an organisation see nothing. ``org_field`` is the path to an
    Organisation foreign key (``"union"``, ``"submitting_org"`` …).

    ``by_ids`` asks for ``org_field IN (the subtree's ids)`` instead of a join on the unit's path:
    for a read that counts or sums rows, which the database then takes from an index on
    ``org_field`` (a district's queue counts over 100 000 applications: 10 ms against 23). A
    read of the first rows in another order (a page by submission time) keeps the join, which
    walks that order's index and stops at the page's end: given the list, SQLite fetched and
    sorted the whole subtree (62 ms against 3).
    """
    organisation = getattr(user, "organisation", None)
    if organisation is None or not getattr(user, "is_active", False):
        return queryset.none()
    if organisation.parent_id is None and organisation.kind == "city":
        return queryset  # the city union's subtree is the whole tree: no join, no filter
    if by_ids:
        return queryset.filter(**{f"{org_field}__in": Organisation.objects.filter(path__startswith=organisation.path).values("pk")})
    return queryset.filter(**{f"{org_field}__path__startswith": organisation.path})


def visible_organisations(user) -> models.QuerySet[Organisation]:  # type: ignore[no-untyped-def]
    organisation = getattr(user, "organisation", None)
    if organisation is None or not getattr(user, "is_active", False):
        return Organisation.objects.none()
    return Organisation.objects.filter(path__startswith=organisation.path)


def city_union() -> Organisation | None:
    return Organisation.objects.filter(kind=OrgKind.CITY, parent__isnull=True).order_by("pk").first()


def organisation_by_name(name: str, *, kind: str | None = None) -> Organisation | None:
    """Looks a unit up by name, full- and half-width brackets alike."""
    queryset = Organisation.objects.filter(name_key=org_key(name))
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.first()


def get_organisation_in_scope(user, name: str) -> Organisation:  # type: ignore[no-untyped-def]
    organisation = organisation_by_name(name)
    if organisation is None or not visible_organisations(user).filter(pk=organisation.pk).exists():
        raise NotFound("没有找到该组织，或不在您的管辖范围内。")
    return organisation
