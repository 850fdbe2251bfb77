"""The project's URLs plus views that fail on purpose, for tests/web/test_error_pages.py."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config import urls


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def denied(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("odd")


handler404 = urls.handler404
handler500 = urls.handler500
urlpatterns = [
    path("worker/boom", boom),
    path("api/v1/boom", boom),
    path("staff/denied", denied),
    path("worker/suspicious", suspicious),
    *urls.urlpatterns,
]
