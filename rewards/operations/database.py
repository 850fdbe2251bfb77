"""The database half of a backup, per engine: a consistent snapshot with its row counts, and
its restore.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies the live database page by
page under one read snapshot (WAL: writers go on meanwhile); the copy is then described (row
counts, migrations, materials it names) from the copy itself. PostgreSQL: one REPEATABLE READ
transaction exports its snapshot; ``pg_dump -Fc --snapshot`` dumps exactly that snapshot while
the same transaction counts the rows, so the counts are those of the dump.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.backends.postgresql.client import DatabaseClient

from rewards.applications.models import Attachment
from rewards.core.fields import EncryptedTextField

from .manifest import BackupError, encryption_fingerprint

SUPPORTED = ("sqlite", "postgresql")
PG_TIMEOUT = 6 * 3600


@dataclass
class Snapshot:
    """What the database snapshot holds, read from the snapshot itself."""

    server: str
    tables: dict[str, int]
    migrations: list[str]
    #: Storage names of the materials the snapshot's rows point at (not purged).
    materials: list[str]
    #: Fingerprints of the encryption keys the snapshot's encrypted values were sealed with.
    keys_used: list[str]
    tool: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def vendor() -> str:
    if connection.vendor not in SUPPORTED:
        raise BackupError(f"不支持的数据库：{connection.vendor}（支持 SQLite 和 PostgreSQL）。")
    return connection.vendor


def _outside_transaction() -> None:
    if connection.in_atomic_block:
        raise BackupError("备份和恢复不能在数据库事务中运行。")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _encrypted_columns() -> list[tuple[str, str]]:
    return [
        (model._meta.db_table, str(item.column))
        for model in apps.get_models()
        for item in model._meta.concrete_fields
        if isinstance(item, EncryptedTextField)
    ]


def _describe(cursor: Any, tables: Iterable[str], server: str) -> Snapshot:
    """Row counts per table, applied migrations, materials named and key ids used."""
    tables = sorted(tables)
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 (names from the catalogue)  # nosec B608
        counts[table] = int(cursor.fetchone()[0])
    migrations: list[str] = []
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
    materials: list[str] = []
    attachments = Attachment._meta.db_table
    if attachments in counts:
        cursor.execute(f"SELECT storage_name FROM {_quote(attachments)} WHERE purged_at IS NULL")  # noqa: S608 - identifiers from the models, values bound  # nosec B608
        materials = [row[0] for row in cursor.fetchall()]
    key_ids: set[str] = set()
    for table, column in _encrypted_columns():
        if table in counts:
            # "<key id>$<sealed value>": the 8 characters before the "$" name the key.
            cursor.execute(f"SELECT DISTINCT substr({_quote(column)}, 1, 8) FROM {_quote(table)} WHERE {_quote(column)} <> ''")  # noqa: S608 - identifiers from the models, values bound  # nosec B608
            key_ids.update(row[0] for row in cursor.fetchall())
    return Snapshot(
        server=server,
        tables=counts,
        migrations=migrations,
        materials=materials,
        keys_used=sorted(encryption_fingerprint(kid) for kid in key_ids),
    )


def current_tables() -> dict[str, int]:
    """Row counts per table of the database as it is now (after a restore)."""
    with connection.cursor() as cursor:
        return _describe(cursor, connection.introspection.table_names(cursor), server="").tables


def non_empty_tables() -> list[str]:
    """Tables of this project (and its staff users) that hold rows: the target of a restore is
    empty when there are none."""
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        found = []
        for model in apps.get_models():
            table = model._meta.db_table
            if model.__module__.startswith("rewards.") and table in existing and model._meta.managed:
                cursor.execute(f"SELECT 1 FROM {_quote(table)} LIMIT 1")  # noqa: S608 - identifiers from the models, values bound  # nosec B608
                if cursor.fetchone():
                    found.append(table)
    return sorted(set(found))


# --- SQLite ------------------------------------------------------------------------------------


def sqlite_snapshot(target: Path) -> Snapshot:
    _outside_transaction()
    connection.ensure_connection()
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    with closing(sqlite3.connect(target)) as copy:
        connection.connection.backup(copy)
        # A self-contained file: rollback journal, so that reading it never writes beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
    with closing(_open_read_only(target)) as copy:
        cursor = copy.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        tables = [row[0] for row in cursor.fetchall()]
        return _describe(cursor, tables, server=f"SQLite {sqlite3.sqlite_version}")


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def sqlite_restore(source: Path) -> None:
    """Replaces the whole database with the copy, in one step, through the backup API."""
    _outside_transaction()
    connection.ensure_connection()
    with closing(_open_read_only(source)) as copy:
        copy.backup(connection.connection)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")


# --- PostgreSQL --------------------------------------------------------------------------------


def _server_major() -> int:
    return int(connection.pg_version // 10000)  # type: ignore[attr-defined]


def pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore`` of the same PostgreSQL install as the server, found like
    ``scripts/with-postgres.sh`` does: ``$PGBIN``, then ``/usr/lib/postgresql/<server major>/bin``,
    then the newest ``/usr/lib/postgresql/*/bin``, then ``PATH``."""
    folders = [os.environ.get("PGBIN", "")]
    connection.ensure_connection()
    folders.append(f"/usr/lib/postgresql/{_server_major()}/bin")
    folders += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(n) for n in re.findall(r"\d+", p)], reverse=True)
    for folder in folders:
        candidate = os.path.join(folder, name) if folder else ""
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"找不到 {name}：请安装与数据库服务器同版本的 PostgreSQL 客户端（Debian 软件包 postgresql-client），或设置 PGBIN。")


def _pg_connection_args() -> tuple[list[str], dict[str, str]]:
    settings_dict = connection.settings_dict
    _, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    args = [f"--dbname={settings_dict['NAME']}"]
    if settings_dict.get("HOST"):
        args.append(f"--host={settings_dict['HOST']}")
    if settings_dict.get("PORT"):
        args.append(f"--port={settings_dict['PORT']}")
    if settings_dict.get("USER"):
        args.append(f"--username={settings_dict['USER']}")
    return args, {**os.environ, **(env or {})}


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what}失败（{Path(command[0]).name} 退出码 {result.returncode}）：{result.stderr.strip()[-2000:]}")


def tool_version(tool: str) -> str:
    result = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    return result.stdout.strip()


def postgres_snapshot(target: Path) -> Snapshot:
    _outside_transaction()
    pg_dump = pg_tool("pg_dump")
    args, env = _pg_connection_args()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot_id, server = cursor.fetchone()
        snapshot = _describe(cursor, connection.introspection.table_names(cursor), server=f"PostgreSQL {server}")
        # The exporting transaction stays open while pg_dump reads its snapshot.
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot_id}", f"--file={target}", *args], env, "pg_dump 导出数据库")
    snapshot.tool = tool_version(pg_dump)
    return snapshot


def postgres_restore(source: Path) -> str:
    """``pg_restore --clean --if-exists --single-transaction``: the database is replaced whole or
    left as it was."""
    _outside_transaction()
    pg_restore = pg_tool("pg_restore")
    args, env = _pg_connection_args()
    connection.close()  # no session of ours holds a lock on a table being replaced
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(source),
        ],
        env,
        "pg_restore 恢复数据库",
    )
    return tool_version(pg_restore)
