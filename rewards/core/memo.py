"""A small per-process cache for campaign data that every request reads.

Campaign parameters change a few times a year but are read on every self-check and
submission; reading them once per few seconds instead of once per request is what lets
the hot paths stay within half the server's trivial-endpoint throughput. Every save or
delete of the underlying rows clears this process's cache at once (signals); other server
processes see the change within ``ttl`` seconds.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_lock = threading.Lock()
_caches: list[dict[Any, tuple[float, Any]]] = []


def ttl_memo(ttl: float = 5.0) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        store: dict[Any, tuple[float, Any]] = {}
        with _lock:
            _caches.append(store)

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = (args, tuple(sorted(kwargs.items())))
            now = time.monotonic()
            hit = store.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
            value = function(*args, **kwargs)
            store[key] = (now + ttl, value)
            return value

        return wrapper  # type: ignore[return-value]

    return decorate


def clear_all(**_: Any) -> None:
    with _lock:
        for store in _caches:
            store.clear()
