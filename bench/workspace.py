"""A throw-away installation to benchmark: its own DATA_DIR, database and environment.

Every process of a run (``manage.py`` commands, gunicorn) gets the same environment from
:meth:`Workspace.env`, so they all see the same database, keys and business date.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

#: The business date of the 2020 demonstration campaign (Makefile DEMO_TODAY).
APP_TODAY = "2020-10-15"
#: High enough that the eligibility throttle (60/min per client by default) never fires. Per
#: second, not per minute: the throttle keeps (and pickles, in the cache) every request time of
#: its window, so a one-minute window under load from one client grows to tens of thousands of
#: entries, a cost that grows through the run and that no real client (at most 60) causes.
NO_THROTTLE = "100000000/s"
#: Inherited variables that would point the run at another installation.
_DROPPED = ("DATABASE_URL", "DATA_DIR", "DJANGO_SETTINGS_MODULE", "APP_TODAY", "DEBUG")


@dataclass
class ChildRun:
    """One finished child process: its output, wall time and peak memory."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    cpu_seconds: float
    max_rss_kib: int

    @property
    def max_rss_mib(self) -> float:
        return self.max_rss_kib / 1024


@dataclass
class Workspace:
    """A fresh DATA_DIR (removed by :meth:`close`) and, optionally, another database."""

    data_dir: Path
    database_url: str | None = None
    settings: str = "config.settings.development"
    extra_env: dict[str, str] = field(default_factory=dict)
    _owned: bool = False

    @classmethod
    def create(cls, *, database_url: str | None = None, **extra_env: str) -> Workspace:
        data_dir = Path(tempfile.mkdtemp(prefix="rewards-bench-"))
        return cls(data_dir=data_dir, database_url=database_url, extra_env=dict(extra_env), _owned=True)

    def close(self) -> None:
        if self._owned:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def env(self, **overrides: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in _DROPPED and not key.startswith("THROTTLE_")}
        env.update(
            DJANGO_SETTINGS_MODULE=self.settings,
            DATA_DIR=str(self.data_dir),
            APP_TODAY=APP_TODAY,
            THROTTLE_ELIGIBILITY=NO_THROTTLE,
            # Every benchmarked submission is another member's first: only a bench server sets this.
            THROTTLE_SUBMISSION=NO_THROTTLE,
            # POST /api/v1/_bench/discard, the ceiling of the submissions (refused in production).
            BENCH_ENDPOINTS="1",
            DEBUG="0",
            PYTHONUNBUFFERED="1",
            PYTHONDONTWRITEBYTECODE="1",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def run(self, args: list[str], *, check: bool = True, env: dict[str, str] | None = None) -> ChildRun:
        """Runs a child to completion, measuring its wall time and peak resident memory.

        ``os.wait4`` returns the resource usage of that one child (and of the children it
        waited for), unlike ``getrusage(RUSAGE_CHILDREN)`` whose maximum spans every child
        this process ever had.
        """
        out_path = self.data_dir / f".child-{time.monotonic_ns()}.out"
        err_path = out_path.with_suffix(".err")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            started = time.perf_counter()
            proc = subprocess.Popen(args, cwd=ROOT, env=env or self.env(), stdout=out, stderr=err, stdin=subprocess.DEVNULL)
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            except BaseException:
                proc.kill()
                proc.wait()
                raise
            seconds = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
        result = ChildRun(
            args=args,
            returncode=proc.returncode,
            stdout=out_path.read_text(encoding="utf-8", errors="replace"),
            stderr=err_path.read_text(encoding="utf-8", errors="replace"),
            seconds=seconds,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            max_rss_kib=usage.ru_maxrss,
        )
        out_path.unlink()
        err_path.unlink()
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} exited with {result.returncode}:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
        return result

    def manage(self, *args: str, check: bool = True) -> ChildRun:
        return self.run([PYTHON, "manage.py", *args], check=check)

    def python_module(self, module: str, *args: str, check: bool = True) -> ChildRun:
        return self.run([PYTHON, "-m", module, *args], check=check)
