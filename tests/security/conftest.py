"""The adversarial suite's figures at the end of a run (docs/security.md, "Adversarial suite and
figures"). A test records a figure with ``record_property("schemathesis_cases", n)``; pytest-xdist
carries those properties from its workers to the controller, which adds them up here."""

from __future__ import annotations

from collections import Counter
from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    totals: Counter[str] = Counter()
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call":
                continue
            for name, value in getattr(report, "user_properties", []):
                if name.startswith("schemathesis_") and isinstance(value, int):
                    totals[name] += value
    if totals:
        terminalreporter.write_line(f"schemathesis cases={totals['schemathesis_cases']} failures={totals['schemathesis_failures']}")
