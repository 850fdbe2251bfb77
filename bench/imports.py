"""Import benchmarks: the operations CLI on a large file, with the server stopped."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .context import Context
from .members_csv import write_members_csv
from .report import Row, Target
from .workspace import ChildRun

SECONDS_TARGET = Target("≤", 20)
#: A single-threaded import that got less CPU than this share of its wall time was kept waiting.
CPU_SHARE_EXPECTED = 0.85
MEMORY_TARGET_MB = Target("≤", 300)

_REPORT = re.compile(r"共 (\d+) 行，新增 (\d+)，更新 (\d+)，未变化 (\d+)，拒绝 (\d+)")


def waited(run: ChildRun) -> bool:
    return run.cpu_seconds < CPU_SHARE_EXPECTED * run.seconds


@dataclass
class ImportCounts:
    total: int
    created: int
    updated: int
    unchanged: int
    rejected: int

    @classmethod
    def of(cls, run: ChildRun) -> ImportCounts:
        match = _REPORT.search(run.stdout)
        if not match:
            raise RuntimeError(f"import_members printed no report:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
        return cls(*map(int, match.groups()))

    def __str__(self) -> str:
        return f"{self.total} rows: {self.created} created, {self.updated} updated, {self.unchanged} unchanged, {self.rejected} rejected"


def import_members(ctx: Context) -> list[Row]:
    """``manage.py import_members`` of a new file, then of the same file again (idempotent)."""
    rows = ctx.options.import_rows
    path = write_members_csv(ctx.data_dir / f"members-{rows}.csv", rows=rows)

    first = ctx.workspace.manage("import_members", str(path), "--no-progress")
    counts = ImportCounts.of(first)
    invalid = []
    if counts.total != rows or counts.rejected or counts.created + counts.updated != rows:
        invalid.append(f"expected {rows} rows written, got {counts}")

    again = ctx.workspace.manage("import_members", str(path), "--no-progress")
    again_counts = ImportCounts.of(again)
    again_invalid = [] if again_counts.unchanged == rows else [f"expected all {rows} rows unchanged, got {again_counts}"]

    def timing(run: ChildRun) -> str:
        text = f"wall {run.seconds:.1f} s, CPU {run.cpu_seconds:.1f} s (user+system)"
        return text + (" — it waited, for CPUs that other processes held or for the disk" if waited(run) else "")

    label = f"import_members {rows:,} rows"
    return [
        Row(label, first.seconds, "s", target=SECONDS_TARGET, invalid=invalid, notes=[str(counts), timing(first)], busy=waited(first)),
        Row(f"{label} peak memory", first.max_rss_mib, "MB", target=MEMORY_TARGET_MB, invalid=list(invalid)),
        Row(
            f"re-import of the same {rows:,} rows",
            again.seconds,
            "s",
            invalid=again_invalid,
            busy=waited(again),
            notes=[str(again_counts), timing(again), f"peak memory {again.max_rss_mib:.0f} MB"],
        ),
    ]
