"""Endpoints that exist only for ``make bench`` (setting ``BENCH_ENDPOINTS``, env ``BENCH_ENDPOINTS=1``).

``rewards/api/urls.py`` wires them only when the setting is true, and
``config.settings.production`` refuses to start with it: they are ceilings to measure the
real endpoints against, not features.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def discard(request: HttpRequest) -> JsonResponse:
    """Receives a multipart body, lets Django parse it (fields and files) and throws it away.

    The ceiling of ``POST /api/v1/applications``: the same server, the same body, no work.
    """
    request.POST  # noqa: B018 - parses the whole body: fields and files
    request.FILES  # noqa: B018
    return JsonResponse({"ok": True})
