"""The files half of a backup: the private storage (materials, batch uploads), each file with
its SHA-256 in ``files.sha256``; and their restore through a staging folder swapped in whole."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from django.core.files.storage import FileSystemStorage, default_storage

from .manifest import FILE_LIST, FILES_DIR, BackupError, list_line, parse_list_line, read_manifest, sha256_file

Progress = Callable[[int], None] | None
PROGRESS_EVERY = 10_000


def storage_root() -> Path:
    """The folder of the private storage (``DATA_DIR/private`` by default)."""
    if not isinstance(default_storage, FileSystemStorage):
        raise BackupError("备份只支持本地文件存储（FileSystemStorage）；其他存储请用其自身的备份手段。")
    return Path(default_storage.location).resolve()


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _copy(source: Path, target: Path) -> str:
    """Copies one file into a new file (0600) and returns the SHA-256 of what was copied."""
    _private_dir(target.parent)
    digest = hashlib.sha256()
    with open(source, "rb") as reader, os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as writer:
        while block := reader.read(1 << 20):
            digest.update(block)
            writer.write(block)
    return digest.hexdigest()


def _walk(root: Path) -> Iterator[Path]:
    """Regular files under ``root`` in a stable order; symbolic links are not followed."""
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path


def has_files(root: Path) -> bool:
    return root.is_dir() and next(_walk(root), None) is not None


def back_up_files(root: Path, folder: Path, progress: Progress = None) -> tuple[int, int, set[str]]:
    """Copies every file under ``root`` to ``folder/files``; returns (count, bytes, names)."""
    count = size = 0
    names: set[str] = set()
    _private_dir(folder / FILES_DIR)
    with open(os.open(folder / FILE_LIST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as listing:
        if root.is_dir():
            for path in _walk(root):
                relative = path.relative_to(root).as_posix()
                if "\n" in relative or "\\" in relative:
                    raise BackupError(f"文件名含有换行或反斜杠，无法记入清单：{relative!r}")
                try:
                    digest = _copy(path, folder / FILES_DIR / relative)
                except FileNotFoundError:
                    continue  # deleted since the walk listed it (a discarded upload): not in the snapshot
                listing.write(list_line(digest, relative))
                names.add(relative)
                count += 1
                size += (folder / FILES_DIR / relative).stat().st_size
                if progress and count % PROGRESS_EVERY == 0:
                    progress(count)
    return count, size, names


def _entries(folder: Path) -> Iterator[tuple[str, PurePosixPath]]:
    with open(folder / FILE_LIST, encoding="utf-8") as listing:
        for number, line in enumerate(listing, start=1):
            yield parse_list_line(line, number)


def verify_files(folder: Path, progress: Progress = None) -> list[str]:
    """Every listed file present with its checksum; returns the problems (read only)."""
    problems: list[str] = []
    for index, (digest, relative) in enumerate(_entries(folder), start=1):
        path = folder / FILES_DIR / relative
        if not path.is_file():
            problems.append(f"缺少文件 {FILES_DIR}/{relative}")
        elif _hash(path) != digest:
            problems.append(f"文件 {FILES_DIR}/{relative} 的校验和不符")
        if progress and index % PROGRESS_EVERY == 0:
            progress(index)
    return problems


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def stage_files(folder: Path, root: Path) -> Path:
    """Copies the listed files into a new folder beside ``root`` (same file system, so that the
    swap is a rename), checking each copy against the list again."""
    staging = root.parent / f".{root.name}.restore-{uuid.uuid4().hex[:8]}"
    _private_dir(staging)
    try:
        for digest, relative in _entries(folder):
            if _copy(folder / FILES_DIR / relative, staging / relative) != digest:
                raise BackupError(f"复制时文件 {FILES_DIR}/{relative} 的校验和变了：备份介质可能有问题。")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def swap_in(staging: Path, root: Path) -> None:
    """Puts the staged folder in place of ``root`` (renames; where ``root`` cannot be renamed,
    such as a mount point, empties it and moves the staged files in)."""
    previous = root.parent / f".{root.name}.before-restore-{uuid.uuid4().hex[:8]}"
    try:
        if root.exists():
            os.rename(root, previous)
        os.rename(staging, root)
    except OSError:
        if previous.exists() and not root.exists():
            os.rename(previous, root)
        for child in list(root.iterdir()):
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        for child in list(staging.iterdir()):
            shutil.move(str(child), root / child.name)
        staging.rmdir()
    else:
        shutil.rmtree(previous, ignore_errors=True)
    os.chmod(root, 0o700)


def discard(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def restore_missing(source: Path, wanted: dict[str, str]) -> dict[str, str]:
    """Copies back, from the backup in ``source``, the storage files named in ``wanted`` (storage
    name → the SHA-256 the record kept, or "") that are missing now: for a few files lost on a
    live system, which ``restore`` (whole, into an empty system) cannot mend. Each file is
    checked against the backup's list (itself checked against the manifest) and against the
    record's checksum, copied under a temporary name beside its place and renamed into it, so a
    reader never sees half a file and a file that came back meanwhile is left as it is.

    Returns storage name → outcome: ``restored``, or why not (Chinese, for the operator)."""
    folder = source.resolve()
    manifest, _ = read_manifest(folder)
    if not (folder / FILE_LIST).is_file() or sha256_file(folder / FILE_LIST) != manifest["files"]["list_sha256"]:
        raise BackupError(f"文件清单 {FILE_LIST} 缺失或校验和与清单不符：备份已损坏或被改动，未恢复任何文件。")
    listed = {str(relative): digest for digest, relative in _entries(folder) if str(relative) in wanted}
    root = storage_root()
    outcomes: dict[str, str] = {}
    for name, kept in wanted.items():
        digest = listed.get(name)
        target = root / name
        if digest is None:
            outcomes[name] = "备份中也没有这个文件（备份时已缺失，或在备份之后才上传）"
        elif kept and kept != digest:
            outcomes[name] = "备份中的文件与保存时的校验值不符，未恢复"
        elif target.exists():
            outcomes[name] = "文件已在存储中，未改动"
        else:
            temporary = target.with_name(f".{target.name}.restore-{uuid.uuid4().hex[:8]}")
            try:
                copied = _copy(folder / FILES_DIR / name, temporary)
                if copied != digest:
                    outcomes[name] = "备份中的文件与备份清单不符（备份介质可能有问题），未恢复"
                    continue
                _place(temporary, target)
                outcomes[name] = "restored"
            except FileExistsError:
                outcomes[name] = "文件已在存储中，未改动"
            except FileNotFoundError:
                outcomes[name] = "备份清单中有这个文件，备份中却没有（备份不完整），未恢复"
            except OSError as exc:
                outcomes[name] = f"无法复制：{exc.strerror or type(exc).__name__}"
            finally:
                with contextlib.suppress(OSError):
                    temporary.unlink()
    return outcomes


def _place(temporary: Path, target: Path) -> None:
    """Gives ``temporary`` the name ``target`` unless a file has that name (``FileExistsError``):
    a hard link, which fails rather than replace; where the volume has no hard links (some
    network or FUSE mounts), a rename after a last look (a file appearing in between would be
    replaced, by the same content the backup and the record vouch for)."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        if target.exists():
            raise FileExistsError(str(target)) from exc
        os.rename(temporary, target)
