"""SECURITY.md, Faults: "PostgreSQL restarted under load: every answered submission is still
there, no partial rows". A real server (gunicorn, two workers) takes submissions from six
client threads while the database server is killed and started again (``pg_ctl restart -m
immediate``: a crash, not a clean shutdown). Runs in the PostgreSQL pass of ``make test``,
whose throwaway server (scripts/with-postgres.sh) it restarts."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import queue
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from PIL import Image

from rewards.applications.models import Application, ApplicationEvent, Attachment
from rewards.core import clock
from rewards.core.models import AuditEvent
from rewards.identity.models import ApplicantToken
from rewards.identity.services import token_digest
from rewards.notifications.models import SmsMessage

from .. import factories

ROOT = Path(__file__).resolve().parents[2]
PGROOT, PGBIN = os.environ.get("PGROOT"), os.environ.get("PGBIN")

pytestmark = [
    pytest.mark.restarts_database,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not (PGROOT and PGBIN), reason="needs the throwaway PostgreSQL of scripts/with-postgres.sh (the PostgreSQL pass)"),
]

WORKERS = 2
THREADS = 6
MEMBERS = 150
BOUNDARY = "----fault-test-boundary"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _photo(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG")
    return out.getvalue()


PHOTOS = {"id_card_file": _photo("red"), "certificate_file": _photo("blue"), "bank_card_file": _photo("green")}


def _body(form: dict) -> bytes:
    parts = []
    for key, value in form.items():
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    for key, data in PHOTOS.items():
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"; filename="{key}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


class Server:
    def __init__(self, port: int, log: Path) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.security.fault_settings",
            "FAULT_DATABASE_NAME": settings.DATABASES["default"]["NAME"],
            "APP_TODAY": "2020-10-15",
            "PYTHONPATH": str(ROOT),
        }
        self.url = f"http://127.0.0.1:{port}"
        self.log = log.open("wb")
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [gunicorn, "config.wsgi:application", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--timeout", "60"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=2) as answer:  # noqa: S310 - loopback http URL built here
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start: " + log.read_text(errors="replace")[-3000:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def test_every_answered_submission_survives_a_database_crash_restart(campaign, xihu, tmp_path):
    # The throwaway server runs with synchronous_commit off; this database commits as deployed.
    name = settings.DATABASES["default"]["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = on')
    now = clock.now()
    work: queue.Queue = queue.Queue()
    for _ in range(MEMBERS):
        member = factories.make_member(union=xihu)
        token = secrets.token_urlsafe(24)
        ApplicantToken.objects.create(
            key_hash=token_digest(token), id_hash=member.id_hash, created_at=now, expires_at=now + dt.timedelta(hours=2)
        )
        work.put((member.id_hash, token, _body(factories.annex3(member))))
    connection.close()

    server = Server(_free_port(), tmp_path / "gunicorn.log")
    answered: list[tuple[str, str, float]] = []  # (id_hash, application_no, when)
    failed: list[tuple[str, float]] = []
    lock = threading.Lock()

    def client() -> None:
        while True:
            try:
                id_hash, token, body = work.get_nowait()
            except queue.Empty:
                return
            request = urllib.request.Request(  # noqa: S310 - loopback http URL built here
                server.url + "/api/v1/applications",
                data=body,
                method="POST",
                headers={"Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                    payload = json.loads(answer.read())
                    with lock:
                        answered.append((id_hash, payload["application_no"], time.monotonic()))
            except urllib.error.HTTPError as error:
                with lock:
                    failed.append((str(error.code), time.monotonic()))
                time.sleep(0.05)
            except OSError as error:
                with lock:
                    failed.append((type(error).__name__, time.monotonic()))
                time.sleep(0.05)

    threads = [threading.Thread(target=client) for _ in range(THREADS)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(answered) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(answered) >= 20, f"the server answered too few submissions before the restart: {failed[:5]}"
        restart_at = time.monotonic()
        # -l again: the restarted server must not write into (and hold open) this process's pipes.
        subprocess.run(
            _as_postgres(
                [f"{PGBIN}/pg_ctl", "-D", f"{PGROOT}/data", "-l", f"{PGROOT}/server.log", "-m", "immediate", "-w", "-t", "60", "restart"]
            ),
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=90,
        )
        restarted_at = time.monotonic()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        server.stop()

    after = [row for row in answered if row[2] > restarted_at]
    assert after, f"no submission was answered after the restart ({len(failed)} failed: {sorted({code for code, _ in failed})})"
    # Whatever failed during the outage failed cleanly: 503 from the server, or no connection.
    assert {code for code, _ in failed} <= {"503", "URLError", "ConnectionResetError", "RemoteDisconnected", "ConnectionRefusedError"}, (
        failed
    )

    connection.close()
    numbers = [number for _, number, _ in answered]
    saved = {app.application_no: app for app in Application.objects.filter(application_no__in=numbers)}
    missing = sorted(set(numbers) - set(saved))
    assert not missing, f"{len(missing)} answered submissions were lost: {missing[:10]}"
    for id_hash, number, _ in answered:
        assert saved[number].id_hash == id_hash
    # No partial rows: every application (answered or not) has its three materials, its
    # history, its audit entry and its SMS; every material's file is on disk.
    for application in Application.objects.all():
        attachments = list(Attachment.objects.filter(application=application))
        assert len(attachments) == 3, application.application_no
        for attachment in attachments:
            assert default_storage.exists(attachment.storage_name), attachment.storage_name
        assert ApplicationEvent.objects.filter(application=application, stage="submitted").count() == 1
        assert AuditEvent.objects.filter(action="application.submit", object_id=str(application.pk)).count() == 1
        assert SmsMessage.objects.filter(event_key=f"app:{application.application_no}:submitted").count() == 1
    assert len(answered) + len(failed) == MEMBERS
    print(
        f"\n{len(answered)} answered ({len(after)} after the restart), {len(failed)} refused during the outage, "
        f"restart took {restarted_at - restart_at:.2f} s, none lost"
    )
    shutil.rmtree(tmp_path, ignore_errors=True)
