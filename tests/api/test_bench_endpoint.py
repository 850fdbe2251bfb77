"""``POST /api/v1/_bench/discard``: the multipart ceiling of ``make bench``, wired only when
``BENCH_ENDPOINTS`` is set (config.settings.production refuses it: tests/test_settings_production.py)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import Resolver404, resolve

from rewards.api import views_bench


def test_the_discard_endpoint_does_not_exist_without_the_setting(settings):
    assert settings.BENCH_ENDPOINTS is False
    with pytest.raises(Resolver404):
        resolve("/api/v1/_bench/discard")


def test_it_parses_a_multipart_body_and_answers_ok():
    files = {name: SimpleUploadedFile(f"{name}.jpg", b"\xff\xd8\xff" + b"x" * 1000, content_type="image/jpeg") for name in ("a", "b")}
    request = RequestFactory().post("/api/v1/_bench/discard", {"name": "王芳", **files})

    response = views_bench.discard(request)

    assert response.status_code == 200
    assert json.loads(response.content) == {"ok": True}
    assert set(request.FILES) == {"a", "b"} and request.POST["name"] == "王芳"


def test_it_refuses_other_methods():
    assert views_bench.discard(RequestFactory().get("/api/v1/_bench/discard")).status_code == 405
