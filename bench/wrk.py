"""Runs ``wrk`` and reads its report: requests/s, latency percentiles, errors."""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .cpu import CpuShare, CpuWatch

LUA_POST_JSON = Path(__file__).resolve().parent / "post_json.lua"
#: Prepended to every script: thread numbers, and p95 and the threads' counts printed by done().
LUA_HOOKS = Path(__file__).resolve().parent / "hooks.lua"

THREADS = 2
CONNECTIONS = 50
DURATION_S = 10
WARMUP_S = 2
#: wrk gives up on an answer after this long (its default, 2 s, is shorter than a submission's
#: wait in the queue of 50 connections: those requests would be counted as socket errors, and
#: the server's work on them lost to the figure).
TIMEOUT_S = 30

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class WrkResult:
    url: str
    requests: int
    requests_per_s: float
    latency_ms: dict[int, float]  # percentile → milliseconds
    non_2xx: int
    socket_errors: dict[str, int]
    output: str
    #: How the CPUs were used meanwhile (when the server's process id was given).
    cpu: CpuShare | None = None
    #: Requests each thread's script built (scripts that count them: bench/submit.lua).
    issued: dict[int, int] = field(default_factory=dict)
    #: Answers by HTTP status (scripts with a response hook), summed over the threads.
    statuses: dict[int, int] = field(default_factory=dict)
    #: The first non-2xx answer a thread saw: status and the start of the body.
    samples: list[str] = field(default_factory=list)

    @property
    def p50_ms(self) -> float:
        return self.latency_ms[50]

    @property
    def p95_ms(self) -> float:
        """Exact, from the latency histogram (bench/hooks.lua); wrk itself prints no p95."""
        return self.latency_ms[95]

    @property
    def p99_ms(self) -> float:
        return self.latency_ms[99]

    @property
    def server_cpu_ms_per_request(self) -> float | None:
        """Server CPU time per answered request: unlike req/s, barely moved by other load."""
        if self.cpu is None or not self.requests:
            return None
        return self.cpu.server_s * 1000 / self.requests

    @property
    def server_kernel_ms_per_request(self) -> float | None:
        """Of :attr:`server_cpu_ms_per_request`, the part spent in the kernel."""
        if self.cpu is None or not self.requests:
            return None
        return self.cpu.server_kernel_s * 1000 / self.requests

    @property
    def valid(self) -> bool:
        """A figure that includes error answers measures the wrong thing."""
        return self.non_2xx == 0 and self.requests > 0

    def problems(self) -> list[str]:
        found = []
        if self.non_2xx:
            found.append(f"{self.non_2xx} of {self.requests} answers were not 2xx/3xx")
        errors = {kind: count for kind, count in self.socket_errors.items() if count}
        if errors:
            found.append("socket errors: " + ", ".join(f"{kind} {count}" for kind, count in errors.items()))
        return found


def _to_ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not match:
        raise ValueError(f"unreadable wrk latency {value!r}")
    return float(match[1]) * _UNITS_MS[match[2]]


def parse(output: str, url: str) -> WrkResult:
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(r"^\s*(\d+) requests in ", output, re.M)
    if not rps or not total:
        raise RuntimeError(f"wrk gave no figures for {url}:\n{output}")
    latency = {int(p): _to_ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.M)}
    # The histogram's own figures (bench/hooks.lua), in microseconds: p95 and the same others.
    latency.update({int(p): int(us) / 1000 for p, us in re.findall(r"^bench-latency-us (\d+) (\d+)$", output, re.M)})
    statuses: dict[int, int] = {}
    for _, listing in re.findall(r"^bench-statuses (\d+) (\S+)$", output, re.M):
        for item in listing.split(","):
            code, _, count = item.partition(":")
            statuses[int(code)] = statuses.get(int(code), 0) + int(count)
    if 50 not in latency or 99 not in latency:
        raise RuntimeError(f"wrk gave no latency distribution (is --latency set?):\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    socket_errors = dict(zip(("connect", "read", "write", "timeout"), map(int, sockets.groups()), strict=True)) if sockets else {}
    return WrkResult(
        url=url,
        requests=int(total[1]),
        requests_per_s=float(rps[1]),
        latency_ms=latency,
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=socket_errors,
        output=output,
        issued={int(t): int(n) for t, n in re.findall(r"^bench-issued (\d+) (\d+)$", output, re.M)},
        statuses=statuses,
        samples=re.findall(r"^bench-sample \d+ (.*)$", output, re.M),
    )


def wrk_binary() -> str:
    path = shutil.which("wrk") or "/usr/bin/wrk"
    if not Path(path).exists():
        raise RuntimeError("wrk is not installed (make bench installs it with apt)")
    return path


def run(
    url: str,
    *,
    duration_s: float = DURATION_S,
    threads: int = THREADS,
    connections: int = CONNECTIONS,
    lua: Path | None = None,
    body_file: Path | None = None,
    server_pid: int | None = None,
    script_env: dict[str, str] | None = None,
) -> WrkResult:
    """One ``wrk --latency`` run; ``body_file`` goes with the JSON POST script, ``script_env``
    with any other script (``WRK_*`` variables it reads). With ``server_pid``, the CPU time of
    the server, of wrk and of the machine is accounted."""
    args = [wrk_binary(), f"-t{threads}", f"-c{connections}", f"-d{duration_s:g}s", f"--timeout={TIMEOUT_S}s", "--latency"]
    env = dict(os.environ)
    env["BENCH_THREADS"] = str(threads)
    env.update(script_env or {})
    if body_file is not None:
        lua = lua or LUA_POST_JSON
        env["WRK_BODY_FILE"] = str(body_file)
    # One script file: the hooks, then the benchmark's script (wrk takes a single -s).
    script = LUA_HOOKS.read_text(encoding="utf-8") + ("\n" + lua.read_text(encoding="utf-8") if lua is not None else "")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="wrk-", encoding="utf-8", delete=False) as handle:
        handle.write(script)
    args += ["-s", handle.name]
    args.append(url)
    watch = CpuWatch(server_pid) if server_pid else None
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, errors="replace", timeout=duration_s + 60, check=False)
    finally:
        os.unlink(handle.name)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}) on {url}:\n{done.stdout}\n{done.stderr}")
    result = parse(done.stdout, url)
    if watch is not None:
        wrk_cpu = (children_after.ru_utime + children_after.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
        result.cpu = watch.stop(load_cpu_s=wrk_cpu)
    return result


def measure(url: str, *, warmup_s: float = WARMUP_S, duration_s: float = DURATION_S, **options: object) -> WrkResult:
    """A short warm-up (discarded: workers import lazily, caches fill), then the measured run."""
    if warmup_s > 0:
        run(url, duration_s=warmup_s, **options)  # type: ignore[arg-type]
    return run(url, duration_s=duration_s, **options)  # type: ignore[arg-type]
