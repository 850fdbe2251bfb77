"""HTTP response headers every page and API answer carries (SECURITY.md 11).

Django's ``SecurityMiddleware`` already sends ``X-Content-Type-Options: nosniff``,
``Referrer-Policy`` and ``Cross-Origin-Opener-Policy``, and ``XFrameOptionsMiddleware``
``X-Frame-Options: DENY``. Here:

* :class:`ContentSecurityPolicyMiddleware`: django-csp's middleware (``CONTENT_SECURITY_POLICY``
  in the settings), which also lets a response framed by this site's own pages (a view marked
  ``xframe_options_sameorigin``, such as a PDF material in the viewer) say
  ``frame-ancestors 'self'`` instead of ``'none'``.
* :class:`SecurityHeadersMiddleware`: ``Permissions-Policy``, and ``Cache-Control: no-store``
  on every answer except the few public ones that carry no personal data (:data:`PUBLIC_PATHS`).
  The rule is "no-store unless known public" rather than a list of personal pages, so that a
  new page is never cached by mistake.
"""

from __future__ import annotations

from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import add_never_cache_headers

#: Answers a browser or proxy may keep: public, the same for everybody, no personal data.
PUBLIC_PATHS = frozenset(
    {
        "/",
        "/api/v1/health",
        "/api/v1/campaigns/current",
        "/api/v1/openapi.json",
        "/api/v1/docs",
    }
)


def cacheable(path: str) -> bool:
    return path in PUBLIC_PATHS


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if response.get("X-Frame-Options", "").upper() == "SAMEORIGIN":
            parts.replace = {**(parts.replace or {}), "frame-ancestors": ["'self'"]}
        return parts


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        if not cacheable(request.path_info) and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response
