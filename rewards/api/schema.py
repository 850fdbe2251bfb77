"""OpenAPI post-processing: what every operation shares, said once."""

from __future__ import annotations

from typing import Any

RETRY_AFTER = {
    "Retry-After": {
        "description": "再试之前须等待的秒数",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def retry_after_on_429(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Every 429 answer carries ``Retry-After`` (API.md "Default throttles")."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            answer = operation.get("responses", {}).get("429") if isinstance(operation, dict) else None
            if answer is not None:
                answer.setdefault("headers", {}).update(RETRY_AFTER)
    return result
