"""The dependency audit (scripts/dependency_audit.py, ``make security-audit``): a known
vulnerability fails it; an advisory service that cannot be reached, or answers for no package,
is said so and does not fail (SECURITY.md, Faults)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("dependency_audit", ROOT / "scripts" / "dependency_audit.py")
assert _spec and _spec.loader
audit = importlib.util.module_from_spec(_spec)
sys.modules["dependency_audit"] = audit
_spec.loader.exec_module(audit)


def pip_report(*dependencies: dict) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


DJANGO_VULN = {
    "name": "django",
    "version": "3.2.0",
    "vulns": [{"id": "PYSEC-2021-98", "fix_versions": ["3.2.1"], "aliases": [], "description": "…"}],
}
CLEAN = {"name": "django", "version": "5.2.19", "vulns": []}
NOT_FOUND = {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited: django (5.2.19)"}


def test_a_known_vulnerability_fails_the_audit(monkeypatch, capsys):
    outcome = audit.classify_pip_audit("requirements/base.txt", 1, pip_report(DJANGO_VULN, CLEAN))
    assert outcome.status == audit.VULNERABLE
    assert outcome.findings == ["django 3.2.0 PYSEC-2021-98（修复版本 3.2.1）"]
    monkeypatch.setattr(audit, "audit", lambda paths: [outcome])
    assert audit.main(["requirements/base.txt"]) == 1
    assert "PYSEC-2021-98" in capsys.readouterr().out


def test_a_clean_report_passes(monkeypatch, capsys):
    outcome = audit.classify_pip_audit("requirements/base.txt", 0, pip_report(CLEAN, {**CLEAN, "name": "openpyxl"}))
    assert outcome.status == audit.OK and "已审计 2 个包" in outcome.detail
    monkeypatch.setattr(audit, "audit", lambda paths: [outcome])
    assert audit.main(["requirements/base.txt"]) == 0


@pytest.mark.parametrize(
    ("returncode", "report", "stderr"),
    [
        # pip-audit says "No known vulnerabilities found" and exits 0 when no package was answered for
        (0, pip_report(NOT_FOUND, {**NOT_FOUND, "name": "openpyxl"}), "No known vulnerabilities found"),
        # a connection error: a traceback and no report
        (1, None, "requests.exceptions.ConnectionError: HTTPSConnectionPool(...): Max retries exceeded"),
    ],
)
def test_an_unreachable_advisory_service_is_said_and_does_not_fail(returncode, report, stderr, monkeypatch, capsys):
    outcome = audit.classify_pip_audit("requirements/dev.txt", returncode, report, stderr)
    assert outcome.status == audit.UNREACHABLE
    monkeypatch.setattr(audit, "audit", lambda paths: [outcome])
    assert audit.main(["requirements/dev.txt"]) == 0
    assert "advisory service unreachable: skipped" in capsys.readouterr().out


def test_npm_audit_outcomes():
    unreachable = {"message": "405 Method Not Allowed - POST …/advisories/bulk", "statusCode": 405, "error": {"summary": ""}}
    assert audit.classify_npm_audit("package-lock.json", 1, json.dumps(unreachable)).status == audit.UNREACHABLE
    assert audit.classify_npm_audit("package-lock.json", 1, "").status == audit.UNREACHABLE
    vulnerable = {
        "vulnerabilities": {"zrender": {"name": "zrender", "severity": "high", "range": "<5.4.1"}},
        "metadata": {"vulnerabilities": {"high": 1, "total": 1}, "dependencies": {"prod": 3}},
    }
    outcome = audit.classify_npm_audit("package-lock.json", 1, json.dumps(vulnerable))
    assert outcome.status == audit.VULNERABLE and outcome.findings == ["zrender high <5.4.1"]
    clean = {"vulnerabilities": {}, "metadata": {"vulnerabilities": {"total": 0}, "dependencies": {"prod": 3, "total": 3}}}
    assert audit.classify_npm_audit("package-lock.json", 0, json.dumps(clean)).status == audit.OK


def test_the_live_audit_finds_a_known_vulnerability_when_the_service_answers(tmp_path):
    """Django 3.2.0 has published advisories: a reachable service must report them."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("django==3.2.0\n", encoding="utf-8")
    outcome = audit.run_pip_audit(requirements)
    if outcome.status == audit.UNREACHABLE:
        pytest.skip(f"{audit.UNREACHABLE_TEXT}: {outcome.detail}")
    assert outcome.status == audit.VULNERABLE, outcome.line()
