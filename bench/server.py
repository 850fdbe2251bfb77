"""gunicorn as deployed (``make serve``: sync workers, 2 of them), started on a workspace."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .workspace import PYTHON, ROOT, Workspace

HOST = "127.0.0.1"  # loads target loopback only
WORKERS = 2


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def gunicorn_command() -> list[str]:
    script = Path(PYTHON).parent / "gunicorn"
    return [str(script)] if script.exists() else [PYTHON, "-m", "gunicorn"]


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)  # the Set-Cookie headers

    def json(self) -> Any:
        return json.loads(self.body)


class Server:
    """``with Server(workspace) as server:`` runs gunicorn until the block ends, even on errors."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        workers: int = WORKERS,
        port: int | None = None,
        startup_timeout: float = 30.0,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.workspace = workspace
        self.workers = workers
        self.extra_args = extra_args
        self.port = port or free_port()
        self.startup_timeout = startup_timeout
        self.log_path = workspace.data_dir / f"gunicorn-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError("the server is not running")
        return self.proc.pid

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        args = [
            *gunicorn_command(),
            "config.wsgi:application",
            "--workers",
            str(self.workers),
            "--bind",
            f"{HOST}:{self.port}",
            "--log-level",
            "warning",
            *self.extra_args,
        ]
        with open(self.log_path, "ab") as log:
            # A session of its own: stopping the server can reach the workers by group id.
            self.proc = subprocess.Popen(
                args, cwd=ROOT, env=self.workspace.env(), stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
            )
        try:
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode} while starting:\n{self.log_tail()}")
            try:
                if self.request("GET", "/api/v1/health", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /api/v1/health within {self.startup_timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()  # the master stops its workers gracefully
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group this server started, nothing else
            proc.wait()

    def request(
        self, method: str, path: str, *, body: bytes | None = None, timeout: float = 10, headers: dict[str, str] | None = None
    ) -> Response:
        """One request; a body is JSON unless ``headers`` say otherwise."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            sent = {"Content-Type": "application/json", "Accept": "application/json"} if body is not None else {}
            sent.update(headers or {})
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            return Response(answer.status, answer.read(), dict(answer.getheaders()), answer.msg.get_all("Set-Cookie") or [])
        finally:
            connection.close()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""
