"""The cast of the SMS tests: a worker's mobile, gateways that succeed, fail or dawdle, a clock
that stands still, and a task queue whose worker the test drives."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest

from rewards.core import clock
from rewards.notifications.transports import OutgoingSms, Transport, TransportError

#: 张晓明's mobile number (valid China Mobile range).
MOBILE = "13912347919"
START = dt.datetime(2020, 10, 15, 2, 0, tzinfo=dt.UTC)  # 10:00 in Hangzhou


class Gateway(Transport):
    """Records what it is given; fails its first ``failures`` calls with ``error``."""

    name = "test"

    def __init__(self, *, failures: int = 0, error: Callable[[OutgoingSms], Exception] | None = None, delay: float = 0.0) -> None:
        self.failures = failures
        self.error = error or (lambda sms: TransportError("短信网关暂时不可用（HTTP 503）。"))
        self.delay = delay
        self.calls = 0
        self.sent: list[OutgoingSms] = []
        self._lock = threading.Lock()

    def send(self, sms: OutgoingSms) -> str:
        with self._lock:
            self.calls += 1
            call = self.calls
        if self.delay:
            time.sleep(self.delay)
        if call <= self.failures:
            raise self.error(sms)
        with self._lock:
            self.sent.append(sms)
        return f"biz-{call}"


class FrozenClock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, delta: dt.timedelta) -> None:
        self.at += delta


class Worker:
    """Runs the tasks that the dummy backend holds, each once, when they are due."""

    def __init__(self, backend) -> None:  # type: ignore[no-untyped-def]
        self.backend = backend
        self.done: set[int] = set()

    def run_due(self, now: dt.datetime) -> list[str]:
        outcomes: list[str] = []
        progressed = True
        while progressed:
            progressed = False
            for index, result in enumerate(list(self.backend.results)):
                run_after = result.task.run_after
                if index in self.done or (run_after is not None and run_after > now):
                    continue
                self.done.add(index)
                outcomes.append(result.task.call(*result.args, **result.kwargs))
                progressed = True
        return outcomes


@pytest.fixture
def frozen_clock(monkeypatch) -> FrozenClock:  # type: ignore[no-untyped-def]
    fake = FrozenClock(START)
    monkeypatch.setattr(clock, "now", fake)
    return fake


@pytest.fixture
def use_gateway(monkeypatch):  # type: ignore[no-untyped-def]
    """Makes every delivery (task, flush) use the given gateway instead of ``SMS_BACKEND``."""

    def install(gateway: Transport) -> Transport:
        monkeypatch.setattr("rewards.notifications.services.get_transport", lambda: gateway)
        return gateway

    return install


@pytest.fixture
def task_queue(settings):  # type: ignore[no-untyped-def]
    """A queue that holds tasks (with their run_after) until the test's worker runs them."""
    from django_tasks import task_backends

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    backend.clear()
    return backend


@pytest.fixture
def sms_file(settings, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "outbox" / "sms.jsonl"
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(path)
    return path
