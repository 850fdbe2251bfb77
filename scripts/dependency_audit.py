"""Dependency audit (SECURITY.md, Faults; issue 7): known vulnerabilities in the pinned Python
requirements (pip-audit, the package index's advisory data) and in the production npm packages
(``npm audit --omit=dev`` over package-lock.json).

    .venv/bin/python scripts/dependency_audit.py requirements/base.txt requirements/dev.txt package-lock.json

Each file ends in one of three outcomes, printed on one line:
- no known vulnerability: passes;
- a known vulnerability: every one is listed and the command exits 1;
- the advisory service cannot be reached or answered for none of the packages: the line says
  "漏洞库无法访问，已跳过（advisory service unreachable: skipped）" and the command still exits 0,
  as SECURITY.md asks. pip-audit itself reports "No known vulnerabilities found" when the
  service answered for no package at all; that is counted here as unreachable, never as clean.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

OK, VULNERABLE, UNREACHABLE = "ok", "vulnerable", "unreachable"
UNREACHABLE_TEXT = "漏洞库无法访问，已跳过（advisory service unreachable: skipped）"
#: Seconds for each request to the advisory service.
TIMEOUT = 20


@dataclass
class Outcome:
    source: str
    status: str
    detail: str = ""
    findings: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.status == UNREACHABLE:
            return f"依赖审计 {self.source}：{UNREACHABLE_TEXT}{'；' + self.detail if self.detail else ''}"
        if self.status == VULNERABLE:
            return f"依赖审计 {self.source}：发现 {len(self.findings)} 个已知漏洞（known vulnerabilities found）"
        return f"依赖审计 {self.source}：{self.detail}"


# --- pip-audit ------------------------------------------------------------------------------


def classify_pip_audit(source: str, returncode: int, report: str | None, stderr: str = "") -> Outcome:
    """One pip-audit run: its exit code, its JSON report (None when it wrote none) and stderr."""
    if not report:
        last = (stderr.strip().splitlines() or ["pip-audit 未给出结果"])[-1]
        return Outcome(source, UNREACHABLE, last[:200])
    dependencies = json.loads(report).get("dependencies", [])
    findings = [
        f"{dep['name']} {dep.get('version', '')} {vuln['id']}"
        + (f"（修复版本 {', '.join(vuln['fix_versions'])}）" if vuln.get("fix_versions") else "")
        for dep in dependencies
        for vuln in dep.get("vulns", [])
    ]
    if findings:
        return Outcome(source, VULNERABLE, findings=findings)
    audited = [dep for dep in dependencies if "skip_reason" not in dep]
    if dependencies and not audited:
        return Outcome(source, UNREACHABLE, f"没有一个包得到漏洞库的答复（共 {len(dependencies)} 个）")
    if returncode != 0:
        return Outcome(source, UNREACHABLE, (stderr.strip().splitlines() or ["pip-audit 出错"])[-1][:200])
    skipped = len(dependencies) - len(audited)
    note = f"，{skipped} 个未得到答复" if skipped else ""
    return Outcome(source, OK, f"已审计 {len(audited)} 个包，无已知漏洞（no known vulnerabilities）{note}")


def run_pip_audit(requirements: Path, *, source: str | None = None) -> Outcome:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        command = [
            *(sys.executable, "-m", "pip_audit"),
            *("--requirement", str(requirements), "--no-deps", "--disable-pip"),
            *("--progress-spinner", "off", "--timeout", str(TIMEOUT)),
            *("--format", "json", "--output", str(output)),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed command
        report = output.read_text(encoding="utf-8") if output.exists() else None
    return classify_pip_audit(source or str(requirements), done.returncode, report, done.stderr)


def _first_pin(requirements: Path) -> str | None:
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line and not line.startswith("-"):
            return line
    return None


def audit_requirements(requirements: Path) -> Outcome:
    """A one-package probe first: an unreachable service then costs one time-out, not one a package."""
    pin = _first_pin(requirements)
    if pin is not None:
        with tempfile.TemporaryDirectory() as folder:
            probe_file = Path(folder) / "probe.txt"
            probe_file.write_text(pin + "\n", encoding="utf-8")
            probe = run_pip_audit(probe_file, source=str(requirements))
        if probe.status == UNREACHABLE:
            probe.detail = f"试探 {pin}：{probe.detail}"
            return probe
    return run_pip_audit(requirements)


# --- npm audit ------------------------------------------------------------------------------


def classify_npm_audit(source: str, returncode: int, stdout: str) -> Outcome:
    try:
        report = json.loads(stdout) if stdout.strip() else {}
    except json.JSONDecodeError:
        return Outcome(source, UNREACHABLE, "npm audit 未给出结果")
    if "error" in report or "metadata" not in report:
        error = report.get("error") or {}
        status = report.get("statusCode")
        reason = f"HTTP {status}" if status else (error.get("code") or error.get("summary") or "npm audit 出错")
        return Outcome(source, UNREACHABLE, str(reason)[:200])
    vulnerabilities = report.get("vulnerabilities", {})
    findings = [
        f"{name} {item.get('severity', '')} {item.get('range', '')}".strip()
        for name, item in sorted(vulnerabilities.items())
        if isinstance(item, dict)
    ]
    if findings or report["metadata"].get("vulnerabilities", {}).get("total", 0):
        return Outcome(source, VULNERABLE, findings=findings or ["npm audit 报告了漏洞"])
    packages = report["metadata"].get("dependencies", {})
    count = packages.get("prod", packages.get("total", "")) if isinstance(packages, dict) else packages
    return Outcome(source, OK, f"已审计 {count} 个生产依赖，无已知漏洞（no known vulnerabilities）")


def audit_npm(lock: Path) -> Outcome:
    npm = shutil.which("npm")
    if npm is None:
        return Outcome(str(lock), UNREACHABLE, "找不到 npm")
    command = [npm, "audit", "--omit=dev", "--json", f"--fetch-timeout={TIMEOUT * 1000}", "--fetch-retries=0"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=lock.parent, check=False)  # noqa: S603 - fixed command
    return classify_npm_audit(str(lock), done.returncode, done.stdout)


# --- the command ----------------------------------------------------------------------------


def audit(paths: list[Path]) -> list[Outcome]:
    return [audit_npm(path) if path.name == "package-lock.json" else audit_requirements(path) for path in paths if path.exists()]


def main(argv: list[str]) -> int:
    outcomes = audit([Path(arg) for arg in argv] or [Path("requirements/base.txt"), Path("requirements/dev.txt")])
    for outcome in outcomes:
        print(outcome.line())
        for finding in outcome.findings:
            print(f"  - {finding}")
    return 1 if any(outcome.status == VULNERABLE for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
