"""Result rows, their verdicts, the printed table and docs/performance.md."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .workspace import ROOT

DOC_PATH = ROOT / "docs" / "performance.md"
HEADER = ("benchmark", "figure", "unit", "ceiling", "ratio", "target", "verdict")


@dataclass(frozen=True)
class Target:
    """``≥ 0.5`` of the ratio, ``≤ 20`` of the figure, …: targets are never lowered to pass."""

    op: str  # "≥" or "≤"
    value: float
    on: str = "figure"  # or "ratio"

    def met(self, figure: float | None, ratio: float | None) -> bool | None:
        measured = ratio if self.on == "ratio" else figure
        if measured is None:
            return None
        return measured >= self.value if self.op == "≥" else measured <= self.value

    def __str__(self) -> str:
        text = f"{self.op} {self.value:g}"
        return f"{text} × ceiling" if self.on == "ratio" else text


@dataclass
class Row:
    benchmark: str
    figure: float | None
    unit: str
    ceiling: float | None = None
    ratio: float | None = None
    target: Target | None = None
    #: Why the figure cannot be trusted (error answers, rejected rows …); empty when valid.
    invalid: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Other processes took a noticeable share of the CPUs while this was measured.
    busy: bool = False

    @property
    def verdict(self) -> str:
        if self.invalid:
            return "INVALID"
        if self.target is None:
            verdict = "—"
        else:
            met = self.target.met(self.figure, self.ratio)
            verdict = "—" if met is None else ("ok" if met else "MISS")
        return f"{verdict} (busy)" if self.busy else verdict

    def cells(self) -> tuple[str, ...]:
        return (
            self.benchmark,
            _number(self.figure),
            self.unit,
            _number(self.ceiling),
            "—" if self.ratio is None else f"{self.ratio:.3f}",
            str(self.target) if self.target else "—",
            self.verdict,
        )


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def text_table(rows: list[Row]) -> str:
    lines = [HEADER, *(row.cells() for row in rows)]
    widths = [max(_width(line[i]) for line in lines) for i in range(len(HEADER))]
    out = []
    for number, line in enumerate(lines):
        out.append(" | ".join(cell + " " * (width - _width(cell)) for cell, width in zip(line, widths, strict=True)).rstrip())
        if number == 0:
            out.append("-+-".join("-" * width for width in widths))
    return "\n".join(out)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def markdown_table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join(["---"] * 2 + ["---"] + ["---:"] * 2 + ["---"] * 2) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def row_notes(rows: list[Row]) -> list[str]:
    notes = []
    for row in rows:
        notes += [f"{row.benchmark}: INVALID — {reason}" for reason in row.invalid]
        notes += [f"{row.benchmark}: {note}" for note in row.notes]
    return notes


# --- the machine ----------------------------------------------------------------------------


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _wrk_version() -> str:
    try:
        done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, timeout=5, check=False)
    except OSError:
        return "?"
    first = (done.stdout or done.stderr).splitlines()
    return first[0].split(" Copyright")[0].strip() if first else "?"


#: ``GET /api/v1/health`` on the reference machine of the shared PLATFORM-NOTES.md (a plain JSON
#: view, gunicorn sync, 2 workers, ``wrk -t2 -c50 -d10s`` on loopback): what the absolute targets
#: (seconds, milliseconds) were set against.
REFERENCE_CEILING = 4431
CEILING_NAME = "trivial endpoint GET /api/v1/health (ceiling)"


def python_loop_seconds() -> float:
    """A fixed piece of pure-Python work (10 000 000 additions), the best of three: how fast this
    machine runs Python right now, comparable between runs, whatever the benchmarks do."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for number in range(10_000_000):
            total += number
        best = min(best, time.perf_counter() - started)
    return best


def speed_note(rows: list[Row]) -> str | None:
    """The ceiling against the reference machine's: a figure with an absolute target (a time) is
    measured on this machine; at half the reference's speed it takes about twice as long. The
    verdicts stay those of the figures as measured."""
    ceiling = next((row.figure for row in rows if row.benchmark == CEILING_NAME and row.figure), None)
    if ceiling is None:
        return None
    share = ceiling / REFERENCE_CEILING
    return (
        f"machine speed: the trivial endpoint answered {ceiling:,.0f} req/s, {share:.0%} of the {REFERENCE_CEILING:,} of the reference "
        "machine (PLATFORM-NOTES.md, measured the same way): ratios to a ceiling measured in the same run hardly depend on the "
        "machine's speed, absolute figures (seconds, milliseconds) do. Verdicts are of the figures as measured"
    )


def machine(*, workers: int) -> dict[str, str]:
    return {
        "CPUs (nproc)": str(os.cpu_count()),
        "CPU": _cpu_model(),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": sys.version.split()[0],
        "SQLite": sqlite3.sqlite_version,
        "Django": _version("Django"),
        "gunicorn": f"{_version('gunicorn')}, {workers} sync workers",
        "wrk": _wrk_version(),
        "load average at start (1/5/15 min)": " / ".join(f"{value:.2f}" for value in os.getloadavg()),
        "10 000 000 Python additions at start (best of 3)": f"{python_loop_seconds():.2f} s",
    }


# --- docs/performance.md --------------------------------------------------------------------

METHODOLOGY = """\
Each run builds a throw-away installation: a fresh temporary `DATA_DIR` with SQLite, the
development settings (`config.settings.development`, `DEBUG=0`), `APP_TODAY=2020-10-15` (inside
the 2020 campaign) and `THROTTLE_ELIGIBILITY=100000000/s` so that the throttle never answers 429
(per second rather than per minute: the throttle stores every request time of its window, and a
one-minute window filled by one load generator grows to tens of thousands of entries that no real
client, limited to 60, ever causes), `THROTTLE_SUBMISSION` likewise (every benchmarked
submission is another member's first) and `BENCH_ENDPOINTS=1`, which adds
`POST /api/v1/_bench/discard` (parses a multipart body, answers `{"ok": true}`; production
settings refuse the variable). It migrates, creates the cache table, loads
`seed_demo --members 3000`, writes the data of the HTTP benchmarks (below), collects static
files and serves the project as deployed: `gunicorn config.wsgi:application --workers 2` (sync
workers) on a free port of 127.0.0.1.

- **Data**: `python -m bench.dataset applications` writes 100 000 applications of the 2020
  campaign straight into the database (`executemany` through each model field's own
  preparation: numbers encrypted, blind indexes, dates and JSON as Django writes them; about
  20 s): 30 % to 西湖区总工会, the rest over the other 23 district/industry unions; online and
  batch channels over every status of the review chain, each with the history events that lead
  to it (about 190 000), 6 % with a signal. The first 200 online ones have known query
  passwords. `python -m bench.dataset submitters` adds 4 000 verified members who have not
  applied, each with a matching certificate in the HR registry (so a submission raises no
  signal), her own mobile and card, and an `ApplicantToken` row (SHA-256 of a random bearer
  token); more are added after the warm-up if the server proves faster than that.
- **HTTP**: for each endpoint a 2 s `wrk` warm-up (discarded), then `wrk -t2 -c50 -d10s --latency`
  on loopback. `wrk` runs on the same machine as the server and takes CPU from it, so figures are
  comparable only with figures of the same machine. The ceiling is `GET /api/v1/health` (no
  database) measured in the same run; other endpoints are reported as a ratio to it. The POST body
  is a complete Annex 3 form (no files) of a seeded, fully eligible member, checked to answer
  `"eligible": true` before the load starts. A run in which `wrk` counts any non-2xx/3xx answer is
  marked INVALID: its figure measured error answers. During each run the CPU time of the server's
  processes and of `wrk` is compared with the machine's (`/proc/stat`); when other processes took
  more than 10 % of the CPUs the verdict says "(busy)" and the figure is low for that reason. The
  server's CPU time per request, next to the ceiling's, gives the ratio that such load hardly moves.
  Before each group of benchmarks the harness waits up to 30 s for the machine to be quiet (other
  processes using at most 10 % of the CPUs), then measures anyway and says so.
- **Status query**: `POST /api/v1/applications/query` with the 200 correct ID + password pairs in
  turn (`bench/query.lua`; each is checked to answer 200 first: failures are throttled, successes
  never), as a ratio to the trivial endpoint.
- **Submissions**: `POST /api/v1/applications`, multipart: the member's Annex 3 fields, then
  three constant JPEGs of 200 KB (random noise, so JPEG cannot shrink them), each request
  another member with her own bearer token (`bench/submit.lua`; thread t sends records t, t + T
  …, never one twice). Every answer must be 201: any other status makes the figure INVALID and
  the first such answer is shown. The ceiling is the same server receiving the same bodies at
  `POST /api/v1/_bench/discard`, measured just before.
- **Review queue**: `GET /staff/` (signed in through `/staff/login`) and
  `GET /api/v1/review/applications` (token from `POST /api/v1/auth/token`), as the district
  reviewer of 西湖区总工会 and as the city reviewer, with the 100 000 applications:
  `wrk -t2 -c4 --latency` (a few reviewers at once) after a 2 s warm-up; the p95 is read from
  wrk's own latency histogram in a Lua `done` hook (`bench/hooks.lua`), not interpolated. The
  ceiling is `GET /api/v1/health` loaded the same way; the ratio is its p95 over the figure.
  The queue is timed before the submissions add their applications.
- **Import**: with the server stopped, a 100 000-row member CSV of synthetic people (valid ID check
  digits and mobiles; the 24 Annex 1 unions and a few grassroots unions; fixed random seed) is
  imported with `manage.py import_members FILE --no-progress` in a child process; wall time
  includes interpreter and Django start-up, peak memory is the child's maximum resident set size
  (`wait4` rusage); an import that got less CPU time than 85 % of its wall time is marked
  "(busy)". The same file is then imported again, which must report every row unchanged.
- **Batch import (单位统一申报)**: with the server stopped, after the member import (so the
  campaign already holds the HTTP benchmarks' applications), `python -m bench.batch_import`
  makes a grassroots union under 西湖区总工会 and its clerk, and writes 111 000 synthetic people
  into the member registry (verified, of that union, employed by its employer) and their
  certificates into the HR registry (`FastInsert`, about 10 s) while another process writes the
  files: three sheets that start with the rows of `sheet.template()` (title, 填报单位, header,
  example row) followed by the people as text cells, in openpyxl's write-only mode (about 20 s
  for 100 000 rows), and a zip of the three materials of each row of the last one
  (`<ID>_<kind>.jpg`: 12 Pillow-drawn photos of about 50 KB, reused). Every row passes the field
  checks and every rule. `manage.py import_batch FILE --user CLERK --no-progress` then imports
  10 000 rows, 100 000 rows, and 1 000 rows with `--attachments ZIP` (3 000 materials, 150 MB),
  each in a child process timed like the member import (start-up included; peak memory from
  `wait4`). A figure is INVALID unless the command reports every row saved and none refused and
  a count of the union's applications (and of their stored materials) in the database agrees.
- **Payments (核发)**: two finance officers; the campaign topped up to 100 000 payable
  applications (approved, no payment line; the HTTP data's approved ones included) with
  `FastInsert`, their amounts those of their level (history events left out: no payment step
  reads them). Each step is one service call in a child process
  (`python -m bench.payments step …`), timed inside with `time.perf_counter` (start-up
  excluded): `payment_batch_build` by one officer, `payment_batch_approve` by the other,
  `payment_batch_file` (CSV, the first download), then `payment_results_import` of a return file
  made from the downloaded CSV (every reference with its amount; every 100th line failed with a
  reason: 99 000 paid, 1 000 failed). After each step the batch's lines are counted by status
  (after the results, its applications too); any difference makes the figure INVALID.
- **Progress (工作进度, Annex 1)**: last, in two installations of its own, SQLite (a fresh
  `DATA_DIR`) and PostgreSQL (a throw-away server started like `scripts/with-postgres.sh`, but
  with `fsync` on; only `max_wal_size` raised for the load), each migrated, with the 2020
  campaign, a city reviewer and 西湖区's reviewer. `python -m bench.progress seed` writes
  1 000 000 applications with one `INSERT … SELECT` over a generated series (every column filled;
  spread over the 24 unions by guidance number, statuses of a campaign near its end, levels with
  their amounts, both channels, migrant workers, 15 occupations, submission times; personal
  numbers one real ciphertext each, blind indexes unique placeholders, so rows are as wide as
  real ones); PostgreSQL is then vacuumed and analysed, SQLite is not. `python -m bench.progress
  measure` times `rewards.reports.progress.progress` (what `GET /api/v1/stats/progress` and the
  dashboard call) in one process, for the city and for the district union: the median of 15 runs
  after a first one, checked against a plain `COUNT`; the notes give the SQL and the query plan.
  The dashboard's other reads (one finer grouping and one by week) are timed for information.
  `python -m bench.progress run` runs this benchmark alone.
"""


def write_doc(rows: list[Row], *, machine_info: dict[str, str], extra_notes: list[str], started: dt.datetime, seconds: float) -> Path:
    lines = [
        "# Performance",
        "",
        "Written by `make bench` (`python -m bench.run`); every run overwrites this file. Targets are",
        "not lowered to pass: a figure that misses its target says MISS.",
        "",
        f"Latest run: {started:%Y-%m-%d %H:%M %Z} ({seconds:.0f} s).",
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in machine_info.items()),
        "",
        "## Figures",
        "",
        markdown_table(rows),
        "",
    ]
    notes = row_notes(rows) + extra_notes
    if notes:
        lines += ["Notes of this run:", "", *(f"- {note}" for note in notes), ""]
    lines += [
        "## Method",
        "",
        METHODOLOGY,
        "## Reproduce",
        "",
        "```",
        "make bench",
        "```",
        "",
        "(`make bench` installs what is missing, `wrk` included, then runs `.venv/bin/python -m bench.run`;",
        "`python -m bench.run --help` lists options for shorter runs while developing, whose figures",
        "are not for this file: use `--no-doc`.)",
        "",
    ]
    DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOC_PATH.write_text("\n".join(lines), encoding="utf-8")
    return DOC_PATH
