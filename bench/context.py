"""What benchmarks share within one run, and the shape of a benchmark."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .report import Row
from .server import Server
from .workspace import Workspace
from .wrk import WrkResult

if TYPE_CHECKING:
    from .submissions import SubmitterPool


@dataclass
class Options:
    duration_s: float = 10
    warmup_s: float = 2
    members: int = 3000
    import_rows: int = 100_000
    #: Applications written into the database for the review-queue and status-query benchmarks.
    applications: int = 100_000
    #: Of them, with known query passwords (the status query cycles through them).
    queries: int = 200
    #: Eligible members with tokens prepared for the submissions (topped up when too few).
    submitters: int = 4000
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
    #: What ``bench.dataset applications`` wrote (its JSON summary) and the query bodies.
    dataset: dict[str, Any] = field(default_factory=dict)
    query_bodies: Path | None = None
    #: Members ready to submit (bench.submissions) and the multipart ceiling of this run.
    submitters: SubmitterPool | None = None
    upload_ceiling: WrkResult | None = None
    #: Notes gathered while preparing, by benchmark.
    notes_for: dict[str, list[str]] = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        return self.workspace.data_dir

    def require_server(self) -> Server:
        if self.server is None:
            raise RuntimeError("this benchmark needs the server running")
        return self.server


#: A benchmark takes the run's context and returns its rows of the table.
Benchmark = Callable[[Context], list[Row]]
