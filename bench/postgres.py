"""A throw-away PostgreSQL server for one benchmark, as scripts/with-postgres.sh starts one for
the tests: a temporary folder, ``initdb``, a free port on 127.0.0.1, stopped and removed after.

Unlike the tests' server it keeps PostgreSQL's durability settings (``fsync`` on): its figures
are reported. Only ``max_wal_size`` is raised, so that loading a million rows is not a series
of checkpoints.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

DATABASE = "rewards"


def _pgbin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name))
    if not versions:
        raise RuntimeError("找不到 PostgreSQL（请安装 Debian 软件包 postgresql）。")
    return versions[-1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ThrowawayPostgres:
    """``with ThrowawayPostgres() as pg: pg.url`` — a database named ``rewards``, trust auth."""

    def __init__(self) -> None:
        self.bin = _pgbin()
        self.root = Path(tempfile.mkdtemp(prefix="rewards-bench-pg-"))
        self.port = _free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"
        self.version = self.bin.parent.name

    def _as_postgres(self, *args: str) -> None:
        command = [str(arg) for arg in args]
        if os.geteuid() == 0:  # initdb refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def __enter__(self) -> ThrowawayPostgres:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        data = self.root / "data"
        self._as_postgres(str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c max_wal_size=4GB"
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.root / "server.log"), "-w", "-t", "60", "-o", options, "start"
        )
        self._as_postgres(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", DATABASE)
        return self

    def pid(self) -> int | None:
        """The postmaster's process id (its backends are its children)."""
        try:
            return int((self.root / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
