"""``make bench``: one run of every benchmark on a fresh installation, a table, docs/performance.md.

To add a benchmark, write a function ``(Context) -> list[Row]`` and list it below: in
``SERVER_BENCHMARKS`` when it needs gunicorn running (``ctx.server``; ``ctx.ceiling`` holds the
trivial endpoint's figures), in ``OFFLINE_BENCHMARKS`` when the server must be stopped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import sys
import time

from . import batch_import, http_api, imports, payments, progress, review_queue, submissions
from .context import Benchmark, Context, Options
from .cpu import background_load
from .report import Row, machine, row_notes, speed_note, text_table, write_doc
from .server import WORKERS, Server
from .workspace import Workspace

#: Run while gunicorn serves the workspace; the ceiling comes first, and the multipart ceiling
#: before the submissions (which add applications: the queue is timed before them).
SERVER_BENCHMARKS: list[Benchmark] = [
    http_api.health_ceiling,
    http_api.eligibility,
    http_api.status_query,
    review_queue.queue_latency,
    submissions.discard_ceiling,
    submissions.submissions,
]
#: Run after the server has stopped, so that nothing else takes the CPU.
OFFLINE_BENCHMARKS: list[Benchmark] = [imports.import_members, batch_import.batch_import, payments.payments]
# The progress query (工作进度) runs last, in workspaces of its own (SQLite, and a throw-away
# PostgreSQL) with 1 000 000 applications: it neither reads nor changes the data above.
# Alone: python -m bench.progress run.
OFFLINE_BENCHMARKS.append(progress.progress_query)

_started = time.monotonic()


def say(message: str) -> None:
    print(f"[bench {time.monotonic() - _started:6.1f}s] {message}", file=sys.stderr, flush=True)


def prepare(ctx: Context, *, http: bool = True) -> None:
    """The installation under test: schema, cache table, the 2020 demo data, static files and,
    for the HTTP benchmarks, a campaign of applications and members ready to submit."""
    workspace = ctx.workspace
    say(f"DATA_DIR {workspace.data_dir}: migrate, createcachetable")
    workspace.manage("migrate", "--noinput", "-v0")
    workspace.manage("createcachetable")
    say(f"seed_demo --members {ctx.options.members}")
    ctx.seed_output = workspace.manage("seed_demo", "--members", str(ctx.options.members)).stdout
    (workspace.data_dir / "seed_demo.out").write_text(ctx.seed_output, encoding="utf-8")
    if http:
        folder = workspace.data_dir / "bench"
        say(f"bench.dataset applications --count {ctx.options.applications} --queries {ctx.options.queries}")
        done = workspace.python_module(
            "bench.dataset", "applications", str(folder), "--count", str(ctx.options.applications), "--queries", str(ctx.options.queries)
        )
        ctx.dataset = json.loads(done.stdout.strip().splitlines()[-1])
        ctx.query_bodies = folder / "queries.jsonl"
        say(f"  {ctx.dataset['applications']} applications, {ctx.dataset['events']} events in {ctx.dataset['seconds']} s")
        say(f"bench.dataset submitters --count {ctx.options.submitters}")
        say("  " + submissions.prepare_submitters(ctx, ctx.options.submitters))
    say("collectstatic")
    workspace.manage("collectstatic", "--noinput", "-v0")


#: Other processes may keep this share of the CPUs busy before a group of benchmarks starts.
QUIET = 0.10


def wait_for_quiet(ctx: Context, group: str) -> None:
    """The machine is shared: wait (up to ``--wait-quiet`` seconds) until others leave the CPUs."""
    deadline = time.monotonic() + ctx.options.wait_quiet_s
    while True:
        load = background_load()
        if load is None:
            return
        if load <= QUIET:
            say(f"CPUs {load:.0%} busy before the {group} benchmarks")
            return
        if time.monotonic() >= deadline:
            say(f"CPUs still {load:.0%} busy (other processes): measuring anyway")
            ctx.notes.append(f"before the {group} benchmarks, other processes kept the CPUs {load:.0%} busy")
            return
        say(f"CPUs {load:.0%} busy with other processes: waiting for them")


def run_benchmarks(ctx: Context, *, server_side: bool = True, offline: bool = True) -> list[Row]:
    rows: list[Row] = []
    if server_side and SERVER_BENCHMARKS:
        wait_for_quiet(ctx, "HTTP")
        say(f"starting gunicorn ({WORKERS} workers)")
        with Server(ctx.workspace) as server:
            say(f"gunicorn answering on {server.base_url}")
            ctx.server = server
            try:
                for benchmark in SERVER_BENCHMARKS:
                    say(f"{benchmark.__name__} …")
                    rows += benchmark(ctx)
            finally:
                ctx.server = None
        say("gunicorn stopped")
    if offline and OFFLINE_BENCHMARKS:
        wait_for_quiet(ctx, "import")
        for benchmark in OFFLINE_BENCHMARKS:
            say(f"{benchmark.__name__} …")
            rows += benchmark(ctx)
    return rows


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds of each measured wrk run (default 10)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of wrk warm-up before each (default 2)")
    parser.add_argument("--members", type=int, default=3000, help="members seeded by seed_demo (default 3000)")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the import benchmark (default 100000)")
    parser.add_argument(
        "--applications", type=int, default=100_000, help="applications in the database of the HTTP benchmarks (default 100000)"
    )
    parser.add_argument("--queries", type=int, default=200, help="of them, with known query passwords (default 200)")
    parser.add_argument("--submitters", type=int, default=4000, help="members prepared to submit (default 4000, topped up if short)")
    parser.add_argument(
        "--wait-quiet", type=float, default=30, help="seconds to wait at most for other processes to leave the CPUs (default 30)"
    )
    parser.add_argument("--only", choices=("http", "import"), help="run one group of benchmarks")
    parser.add_argument("--skip", default="", help="comma-separated benchmark functions to leave out (e.g. progress_query)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary DATA_DIR (its path is printed)")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/performance.md")
    return parser.parse_args(argv)


def _terminate(signum: int, frame: object) -> None:
    # Unwind like Ctrl-C does, so that the server is stopped and the DATA_DIR removed.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    skipped = {name.strip() for name in args.skip.split(",") if name.strip()}
    SERVER_BENCHMARKS[:] = [b for b in SERVER_BENCHMARKS if b.__name__ not in skipped]
    OFFLINE_BENCHMARKS[:] = [b for b in OFFLINE_BENCHMARKS if b.__name__ not in skipped]
    signal.signal(signal.SIGTERM, _terminate)
    options = Options(
        duration_s=args.duration,
        warmup_s=args.warmup,
        members=args.members,
        import_rows=args.rows,
        wait_quiet_s=args.wait_quiet,
        applications=args.applications,
        queries=args.queries,
        submitters=args.submitters,
    )
    started = dt.datetime.now().astimezone()
    machine_info = machine(workers=WORKERS)  # before the load: its load average is the machine's own
    workspace = Workspace.create()
    try:
        ctx = Context(workspace=workspace, options=options)
        prepare(ctx, http=args.only in (None, "http"))
        rows = run_benchmarks(ctx, server_side=args.only in (None, "http"), offline=args.only in (None, "import"))
    finally:
        if args.keep:
            say(f"kept {workspace.data_dir}")
        else:
            workspace.close()
    seconds = time.monotonic() - _started

    if (note := speed_note(rows)) is not None:
        ctx.notes.append(note)
    print()
    print(text_table(rows))
    notes = row_notes(rows) + ctx.notes
    if notes:
        print()
        print("\n".join(f"- {note}" for note in notes))
    if not args.no_doc:
        path = write_doc(rows, machine_info=machine_info, extra_notes=ctx.notes, started=started, seconds=seconds)
        print(f"\nwritten: {path.relative_to(path.parent.parent)}")
    verdicts = [row.verdict.split()[0] for row in rows]
    busy = sum(row.busy for row in rows)
    print(
        f"\n{len(rows)} figures in {seconds:.0f} s: {verdicts.count('MISS')} MISS, {verdicts.count('INVALID')} INVALID"
        + (f", {busy} measured on a busy machine" if busy else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
