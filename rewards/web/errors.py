"""Error answers Django leaves empty, given a page in Chinese."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


class MethodNotAllowedPageMiddleware:
    """A form's address opened or reloaded (``require_POST`` and the like answer 405 with no body,
    a blank page) gets a short Chinese page saying nothing was sent and where to go. The API keeps
    its own 405 body (DRF's, in the contract's shape); the ``Allow`` header is kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or request.path_info.startswith("/api/") or getattr(response, "streaming", False):
            return response
        if response.content:
            return response
        page = HttpResponse(render_to_string("405.html", request=request), status=405)
        if "Allow" in response.headers:
            page.headers["Allow"] = response.headers["Allow"]
        return page
