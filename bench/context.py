"""What benchmarks share within one run, and the shape of a benchmark."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .report import Row
from .server import Server
from .workspace import Workspace
from .wrk import WrkResult


@dataclass
class Options:
    duration_s: float = 10
    warmup_s: float = 2
    members: int = 3000
    import_rows: int = 100_000
    #: Seconds to wait at most for other processes to leave the CPUs before a group starts.
    wait_quiet_s: float = 30


@dataclass
class Context:
    workspace: Workspace
    options: Options
    #: Set while the server benchmarks run.
    server: Server | None = None
    #: ``GET /api/v1/health`` of this run: what every HTTP figure is compared with.
    ceiling: WrkResult | None = None
    #: What ``seed_demo`` printed (the demo accounts and the self-check members).
    seed_output: str = ""
    #: Notes for the report that belong to no single row.
    notes: list[str] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.workspace.data_dir

    def require_server(self) -> Server:
        if self.server is None:
            raise RuntimeError("this benchmark needs the server running")
        return self.server


#: A benchmark takes the run's context and returns its rows of the table.
Benchmark = Callable[[Context], list[Row]]
