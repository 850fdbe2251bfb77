"""Who used the CPUs during a measurement: the server, the load generator, or someone else.

The benchmark shares its machine; a figure measured while other processes (a test run, a
build, another container on the same kernel) took CPU time is low for reasons of its own.
Comparing the machine's busy time (``/proc/stat``) with the time the server's processes and
``wrk`` used tells how much CPU went elsewhere. Linux only; elsewhere nothing is reported.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_busy_s() -> float | None:
    """CPU-seconds all CPUs spent not idle since boot."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    guest = sum(fields[8:10]) if len(fields) > 9 else 0  # already counted in user/nice
    return (sum(fields) - idle - guest) / _TICK


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(parent pid, CPU-seconds in user mode, CPU-seconds in the kernel) of one process, its
    waited-for children included."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = text.rsplit(")", 1)[1].split()  # the command name may hold spaces
    return int(rest[1]), (int(rest[11]) + int(rest[13])) / _TICK, (int(rest[12]) + int(rest[14])) / _TICK


def tree_cpu_s(root: int) -> float:
    """CPU-seconds used so far by ``root`` and all its descendants."""
    return sum(tree_cpu(root))


def tree_cpu(root: int) -> tuple[float, float]:
    """CPU-seconds (user, kernel) used so far by ``root`` and all its descendants."""
    stats: dict[int, tuple[int, float, float]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (found := _stat(int(entry.name))) is not None:
            stats[int(entry.name)] = found
    user = kernel = 0.0
    wanted = {root}
    changed = True
    while changed:  # descendants whose parent is already in the tree
        changed = False
        for pid, (parent, _, _) in stats.items():
            if parent in wanted and pid not in wanted:
                wanted.add(pid)
                changed = True
    for pid in wanted:
        if pid in stats:
            user += stats[pid][1]
            kernel += stats[pid][2]
    return user, kernel


@dataclass
class CpuShare:
    """CPU use over one measurement, in CPU-seconds."""

    seconds: float
    cpus: int
    busy_s: float
    server_s: float
    load_s: float
    #: Of ``server_s``, the time spent in the kernel (system calls: sockets, files, SQLite's I/O).
    server_kernel_s: float = 0.0

    @property
    def capacity_s(self) -> float:
        return self.seconds * self.cpus

    @property
    def total(self) -> float:
        """Fraction of the machine's CPU capacity in use."""
        return self.busy_s / self.capacity_s

    @property
    def others(self) -> float:
        """Fraction of the capacity used by neither the server nor the load generator."""
        return max(0.0, self.busy_s - self.server_s - self.load_s) / self.capacity_s

    def describe(self) -> str:
        return (
            f"CPUs {self.total:.0%} busy: server {self.server_s / self.capacity_s:.0%}, wrk {self.load_s / self.capacity_s:.0%}, "
            f"other processes {self.others:.0%}"
        )


class CpuWatch:
    """``watch = CpuWatch(server_pid); …; share = watch.stop(load_cpu_s=wrk_cpu)``."""

    def __init__(self, *roots: int) -> None:
        self.roots = roots
        self.cpus = os.cpu_count() or 1
        self.started = time.monotonic()
        self.busy = machine_busy_s()
        self.server = [tree_cpu(root) for root in roots]

    def stop(self, *, load_cpu_s: float = 0.0) -> CpuShare | None:
        busy = machine_busy_s()
        if busy is None or self.busy is None:
            return None
        now = [tree_cpu(root) for root in self.roots]
        user = sum(u for u, _ in now) - sum(u for u, _ in self.server)
        kernel = sum(k for _, k in now) - sum(k for _, k in self.server)
        return CpuShare(
            seconds=time.monotonic() - self.started,
            cpus=self.cpus,
            busy_s=busy - self.busy,
            server_s=user + kernel,
            load_s=load_cpu_s,
            server_kernel_s=kernel,
        )


def background_load(seconds: float = 2.0) -> float | None:
    """The fraction of the CPUs busy while this process sleeps: load that is not ours."""
    before = machine_busy_s()
    time.sleep(seconds)
    after = machine_busy_s()
    if before is None or after is None:
        return None
    return (after - before) / (seconds * (os.cpu_count() or 1))
