"""deploy/: the example environment passes production's `check --deploy`, the services and cron
name commands that exist, the wrapper runs manage.py with the environment file, and nginx lets
through what the application accepts and tells it the client's address."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def documented_key(name: str) -> str:
    """Runs the command that env.example's comments give for ``name`` (on the line after it)."""
    lines = (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines()
    at = next(index for index, line in enumerate(lines) if line.startswith(f"# {name}"))
    command = lines[at + 1].removeprefix("#").strip()
    assert command.startswith('python3 -c "'), command
    done = subprocess.run([sys.executable, "-c", command.removeprefix('python3 -c "').removesuffix('"')], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def example_env(tmp_path: Path) -> dict[str, str]:
    """deploy/env.example with its empty secrets filled in and its folders moved under tmp_path."""
    values = {}
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    filled = {
        # Made with the commands env.example gives the operator, exactly as written there.
        "SECRET_KEY": documented_key("SECRET_KEY"),
        "FIELD_ENCRYPTION_KEY": documented_key("FIELD_ENCRYPTION_KEY"),
        "BLIND_INDEX_KEY": documented_key("FIELD_ENCRYPTION_KEY"),
        "AUDIT_CHAIN_KEY": documented_key("FIELD_ENCRYPTION_KEY"),
        "SMS_ALIYUN_ACCESS_KEY_ID": "LTAI-example",
        "SMS_ALIYUN_ACCESS_KEY_SECRET": secrets.token_urlsafe(20),
    }
    assert set(filled) <= {name for name, value in values.items() if not value}, "env.example leaves these for the operator"
    values.update(filled)
    values.update(DATA_DIR=str(tmp_path / "data"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    return values


def test_the_example_environment_passes_the_production_deploy_check(tmp_path):  # type: ignore[no-untyped-def]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "THROTTLE_", "APP_TODAY", "DATABASE_URL"))}
    env.update(example_env(tmp_path))
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_wrapper_runs_manage_py_with_the_environment_file(tmp_path):  # type: ignore[no-untyped-def]
    env_file = tmp_path / "env"
    env_file.write_text(f"DJANGO_SETTINGS_MODULE=config.settings.development\nDATA_DIR={tmp_path / 'data'}\n", encoding="utf-8")
    wrapper = DEPLOY / "bin" / "manage"
    assert os.access(wrapper, os.X_OK)
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATA_DIR"))}
    done = subprocess.run([str(wrapper), "diffsettings"], env={**clean, "REWARDS_ENV": str(env_file)}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"DATA_DIR = PosixPath('{tmp_path / 'data'}')" in done.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can be refused")
def test_the_wrapper_refuses_root_where_the_data_folder_is_another_accounts(tmp_path):  # type: ignore[no-untyped-def]
    """`deploy/bin/manage process_materials` as root would leave photos the web server cannot read."""
    data = tmp_path / "data"
    data.mkdir()
    os.chown(data, 65534, 65534)  # nobody: the account "rewards" of a server
    env_file = tmp_path / "env"
    env_file.write_text(f"DJANGO_SETTINGS_MODULE=config.settings.development\nDATA_DIR={data}\n", encoding="utf-8")
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATA_DIR"))}
    wrapper = DEPLOY / "bin" / "manage"
    done = subprocess.run([str(wrapper), "process_materials"], env={**clean, "REWARDS_ENV": str(env_file)}, capture_output=True, text=True)

    assert done.returncode == 2 and done.stdout == ""
    owner = subprocess.run(["id", "-nu", "65534"], capture_output=True, text=True).stdout.strip()
    assert done.stderr == (
        f"请以数据目录 {data} 的所有者运行：runuser -u {owner} -- {wrapper} process_materials（以 root 运行会留下服务无法读写的文件）。\n"
    )
    assert os.listdir(data) == []  # Django never started: nothing was written


def _named_commands() -> list[str]:
    text = "\n".join(path.read_text(encoding="utf-8") for path in [*DEPLOY.glob("systemd/*.service"), DEPLOY / "cron.d" / "rewards"])
    return re.findall(r"(?:bin/manage|bin/duty|manage\.py) ([a-z_]+)", text)


def test_the_services_and_cron_name_commands_that_exist():
    named = _named_commands()
    assert {"db_worker", "sms_flush", "process_materials", "purge_expired", "backup", "audit_verify", "check"} <= set(named)
    missing = sorted(set(named) - set(get_commands()))
    assert missing == []


def test_every_cron_duty_reports_to_syslog():
    """A server without a mail transfer agent drops cron's mail: each duty runs through
    deploy/bin/duty, which also sends what it says on standard error to syslog."""
    lines = [line for line in (DEPLOY / "cron.d" / "rewards").read_text(encoding="utf-8").splitlines() if re.match(r"[0-9*]", line)]
    assert len(lines) == 7 and all(" rewards /srv/rewards/deploy/bin/duty " in line for line in lines)


@pytest.mark.parametrize(
    ("status", "said", "priority"), [(0, "", None), (0, "注意：有 2 个短信待发\n", "user.warning"), (3, "备份失败：磁盘已满\n", "user.err")]
)
def test_a_duty_passes_on_its_status_and_sends_its_errors_to_syslog(tmp_path, status, said, priority):  # type: ignore[no-untyped-def]
    """What the command says on standard error reaches syslog (and still cron's MAILTO), at
    user.err when it failed; its output and exit status are its own."""
    import shutil

    folder = tmp_path / "bin"
    folder.mkdir()
    shutil.copy(DEPLOY / "bin" / "duty", folder / "duty")
    (folder / "manage").write_text(f"#!/bin/sh\necho \"ran $*\"\nprintf '{said}' >&2\nexit {status}\n", encoding="utf-8")
    logged = tmp_path / "logged"
    (folder / "logger").write_text(f'#!/bin/sh\necho "$*" >> {logged}\nif [ "$5" = -f ]; then cat "$6" >> {logged}; fi\n', encoding="utf-8")
    for name in ("duty", "manage", "logger"):
        (folder / name).chmod(0o755)
    done = subprocess.run(
        [str(folder / "duty"), "backup", "--output", "/srv/backups/x"],
        env={**os.environ, "PATH": f"{folder}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == status
    assert done.stdout == "ran backup --output /srv/backups/x\n" and done.stderr == said
    record = logged.read_text(encoding="utf-8") if logged.exists() else ""
    if priority is None:
        assert record == ""
    else:
        assert record.startswith(f"-t rewards-backup -p {priority} -f ") and said in record
    assert ("定时任务 backup 失败（退出状态 3）" in record) == (status == 3)


def test_nginx_passes_what_the_application_accepts_and_names_the_client():
    nginx = (DEPLOY / "nginx" / "rewards.conf").read_text(encoding="utf-8")
    web = (DEPLOY / "systemd" / "rewards-web.service").read_text(encoding="utf-8")
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", nginx).group(1))  # type: ignore[union-attr]
    assert megabytes * 1024 * 1024 >= 3 * settings.UPLOAD_MAX_BYTES + 1024 * 1024  # three materials and the form
    bind = re.search(r"--bind (127\.0\.0\.1:\d+)", web).group(1)  # type: ignore[union-attr]
    assert f"proxy_pass http://{bind};" in nginx
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in nginx
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx  # what SECURE_PROXY_SSL_HEADER reads
    # The Host the browser used, port and all: Django's CSRF check compares it with the Origin.
    assert "proxy_set_header Host $http_host;" in nginx and "proxy_set_header Host $host;" not in nginx
    assert nginx.count("\n    server_tokens off;\n") == 2  # in each server (nginx.conf may set it too: no duplicate)
    assert "TRUSTED_PROXIES=127.0.0.1" in (DEPLOY / "env.example").read_text(encoding="utf-8")


@pytest.mark.parametrize("unit", ["rewards-web.service", "rewards-worker.service"])
def test_the_services_read_the_environment_file_and_keep_files_private(unit):  # type: ignore[no-untyped-def]
    text = (DEPLOY / "systemd" / unit).read_text(encoding="utf-8")
    assert "EnvironmentFile=/etc/rewards/env" in text and "UMask=0077" in text and "User=rewards" in text


def test_the_wrapper_reads_the_environment_file_literally_as_systemd_does(tmp_path):  # type: ignore[no-untyped-def]
    """A Django-made secret may hold "$", "(" or "&": the wrapper (cron, operators) must see the
    value the services see, not a shell's reading of it."""
    data = tmp_path / "d$HOME(x)&y"
    env_file = tmp_path / "env"
    env_file.write_text(
        f'# comment\n\nDJANGO_SETTINGS_MODULE=config.settings.development\nDATA_DIR="{data}"\nSECRET_KEY=a$b(c)&d\n',
        encoding="utf-8",
    )
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATA_DIR", "SECRET_KEY"))}
    done = subprocess.run(
        [str(DEPLOY / "bin" / "manage"), "shell", "-c", "import os; print(os.environ['SECRET_KEY']); print(os.environ['DATA_DIR'])"],
        env={**clean, "REWARDS_ENV": str(env_file)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == ["a$b(c)&d", str(data)]


def test_a_field_key_that_cannot_work_stops_manage_py_check(tmp_path):  # type: ignore[no-untyped-def]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "APP_TODAY", "DATABASE_URL"))}
    env.update(example_env(tmp_path))
    env.update(FIELD_ENCRYPTION_KEY="not-a-key", BLIND_INDEX_KEY="c2hvcnQ=", AUDIT_CHAIN_KEY="c2hvcnQ=")
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "rewards.E001" in done.stderr and "FIELD_ENCRYPTION_KEY" in done.stderr
    assert "rewards.E002" in done.stderr and "BLIND_INDEX_KEY 必须是 32 个随机字节" in done.stderr
    assert "rewards.E004" in done.stderr and "AUDIT_CHAIN_KEY 必须是 32 个随机字节" in done.stderr


def test_an_audit_chain_key_shared_with_another_key_stops_manage_py_check(tmp_path):  # type: ignore[no-untyped-def]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "APP_TODAY", "DATABASE_URL"))}
    env.update(example_env(tmp_path))
    env["AUDIT_CHAIN_KEY"] = env["BLIND_INDEX_KEY"]
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "rewards.E005" in done.stderr


def test_the_logs_of_nginx_and_gunicorn_leave_query_strings_out():
    nginx = (DEPLOY / "nginx" / "rewards.conf").read_text(encoding="utf-8")
    log_format = re.search(r"log_format rewards (.+?);", nginx, re.S).group(1)  # type: ignore[union-attr]
    assert "$rewards_uri_masked" in log_format and not re.search(r"\$(request|request_uri|args|query_string)\b", log_format)
    assert nginx.count("access_log /var/log/nginx/rewards.access.log rewards;") == 2
    gunicorn = (ROOT / "config" / "gunicorn.conf.py").read_text(encoding="utf-8")
    log = re.search(r"access_log_format = '(.+)'", gunicorn).group(1)  # type: ignore[union-attr]
    assert "%(U)s" in log and "%(r)s" not in log and "%(q)s" not in log
    assert "-c config/gunicorn.conf.py" in (DEPLOY / "systemd" / "rewards-web.service").read_text(encoding="utf-8")


def test_nginx_lets_a_batch_zip_through_and_speaks_debian_12s_nginx():
    from rewards.batches.materials_zip import MAX_ZIP_BYTES

    nginx = (DEPLOY / "nginx" / "rewards.conf").read_text(encoding="utf-8")
    directives = "\n".join(line.split("#")[0] for line in nginx.splitlines())
    assert "listen 443 ssl http2;" in directives and "http2 on;" not in directives  # nginx 1.22 has no "http2 on"
    for address in ("/staff/batch/", "/api/v1/batch-submissions"):
        block = re.search(rf"location = {re.escape(address)} \{{(.+?)\}}", nginx, re.S).group(1)  # type: ignore[union-attr]
        megabytes = int(re.search(r"client_max_body_size (\d+)m;", block).group(1))  # type: ignore[union-attr]
        assert megabytes * 1024 * 1024 > MAX_ZIP_BYTES
    assert 'return 413 \'{"error":{"code":"too_large"' in nginx  # the API's error body under /api/
    assert "location ^~ /api/ {\n        error_page 413 @too_large_api;" in nginx
    assert "error_page 413 @too_large_page;" in nginx and "文件过大" in nginx  # a short page elsewhere
    for name in ("too_large_page", "too_large_api"):  # nginx's own answers carry the site's security headers
        block = re.search(rf"location @{name} \{{(.+?)\}}", nginx, re.S).group(1)  # type: ignore[union-attr]
        for header in ("Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"):
            assert re.search(rf"add_header {header} .+ always;", block), (name, header)
    service = (DEPLOY / "systemd" / "rewards-web.service").read_text(encoding="utf-8")
    gunicorn_timeout = int(re.search(r"--timeout (\d+)", service).group(1))  # type: ignore[union-attr]
    assert {int(seconds) for seconds in re.findall(r"proxy_read_timeout (\d+)s;", nginx)} == {gunicorn_timeout}


def _nginx_masked(uri: str, nginx: str) -> str:
    """The two maps of rewards.conf applied as nginx does (PCRE; this pattern reads the same in Python)."""
    value = uri
    for pattern, replacement in re.findall(r'map \$\S+ \$rewards_uri_masked\S* \{\n\s+"~(.+?)" "(.+?)";', nginx):
        found = re.match(pattern, value)
        if found:
            value = re.sub(r"\$\{(\w+)\}", lambda name: found.group(name.group(1)) or "", replacement)  # noqa: B023
    return value


@pytest.mark.parametrize(
    ("uri", "logged"),
    [
        ("/api/v1/review/applications/330106198505082598", "/api/v1/review/applications/330****2598"),
        ("/staff/applications/33010619850508259X/annex3", "/staff/applications/330****8259X/annex3"),
        ("/x/13812345678/y/6222020200112233445", "/x/138****5678/y/622****3445"),
        ("/staff/applications/2020000123", "/staff/applications/2020000123"),  # an application number stays
        ("/static/web/app.3f2a1b.css", "/static/web/app.3f2a1b.css"),
    ],
)
def test_access_logs_mask_a_personal_number_typed_into_the_path(uri, logged):  # type: ignore[no-untyped-def]
    nginx = (DEPLOY / "nginx" / "rewards.conf").read_text(encoding="utf-8")
    assert "$rewards_uri_masked $server_protocol" in nginx
    assert _nginx_masked(uri, nginx) == logged
    from types import SimpleNamespace

    from gunicorn.config import Config

    from config.gunicorn_logging import MaskedAccessLogger

    logger = MaskedAccessLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": uri, "PATH_INFO": uri, "SERVER_PROTOCOL": "HTTP/1.1", "QUERY_STRING": ""}
    atoms = logger.atoms(SimpleNamespace(status="404 Not Found", headers=[], sent=0), [], environ, dt.timedelta(seconds=0))
    assert not re.search(r"\d{11,}", atoms["U"] + atoms["r"])
    assert (atoms["U"] == uri) == (logged == uri)  # only a personal number changes
