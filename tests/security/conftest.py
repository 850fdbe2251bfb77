"""Fixtures shared by the access-matrix, separation-of-duties, cross-union and mass-assignment
tests: the adversarial world (seeded once per module, rolled back after it) and the PDF stub.

``quick_pdfs`` is not autouse: the canary crawl reads real PDFs. The modules that want it name it
in their ``pytestmark``."""

from __future__ import annotations

import pytest

from rewards.reports import renderers

from .adversarial_world import seed_world, world_transaction


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock(), world_transaction():
        yield seed_world()


@pytest.fixture
def quick_pdfs(monkeypatch):  # type: ignore[no-untyped-def]
    """Who may print, and what a refused caller gets, is judged here, not what is printed (the
    canary crawl reads real PDFs): WeasyPrint's second per file would make the matrix minutes long."""
    monkeypatch.setattr(renderers, "pdf", lambda template, context: b"%PDF-1.7 stub")
