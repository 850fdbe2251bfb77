from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from rewards.core import clock


def site(request: HttpRequest) -> dict[str, Any]:
    """Site name, and the demo banner when the business date is simulated (APP_TODAY)."""
    simulated = clock.simulated_today()
    return {
        "site_name": "杭州市职工高技能人才奖励平台",
        "demo_today": simulated if (simulated and settings.SHOW_DEMO_BANNER) else None,
    }
