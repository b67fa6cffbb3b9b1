"""Atomic file writes, shared by every writer of the package.

A file is written to a temporary file in the target's own folder, flushed and fsynced, then
renamed over the target with :func:`os.replace`, so a reader sees the old file or the new one,
never half of one, and a failed write leaves the old file intact and no temporary file behind.

The new file gets the permissions of the file it replaces, else those :func:`open` would give
a new file (``0o666`` less the umask): ``tempfile.mkstemp`` alone would make it ``0600``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Literal, Union

__all__ = ["atomic_open", "atomic_write", "file_mode"]

PathLike = Union[str, "os.PathLike[str]"]


def file_mode(path: PathLike) -> int:
    """The permissions a file written at ``path`` gets.

    Those of the file it replaces, else ``0o666`` less the process umask.

    Examples
    --------
    >>> import os, pathlib, tempfile
    >>> old = os.umask(0o027)
    >>> oct(file_mode(pathlib.Path(tempfile.mkdtemp()) / "new.csv"))
    '0o640'
    >>> _ = os.umask(old)
    """
    try:
        return stat.S_IMODE(Path(path).stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where the platform allows (setting it
    and back would, for that instant, loosen the mode of files other threads create)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):  # pragma: no cover - no procfs
        pass
    umask = os.umask(0o022)  # pragma: no cover - no procfs
    os.umask(umask)  # pragma: no cover
    return umask  # pragma: no cover


@contextlib.contextmanager
def atomic_open(path: PathLike, mode: Literal["wb", "w+b"] = "wb") -> Iterator[IO[bytes]]:
    """A binary file object whose content replaces ``path`` when the block ends normally.

    ``mode="w+b"`` lets the writer read back what it wrote (to checksum it, say). If the
    block raises, the temporary file is removed and ``path`` is left as it was.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_open(path) as fh:
    ...     _ = fh.write(b"hello")
    >>> path.read_bytes()
    b'hello'
    """
    if mode not in ("wb", "w+b"):
        raise ValueError(f"mode must be 'wb' or 'w+b', got {mode!r}")
    path = Path(path)
    target_mode = file_mode(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise _naming_target(err, path) from None
    try:
        try:
            os.chmod(tmp, target_mode)
            fh = os.fdopen(fd, mode)
        except BaseException:
            os.close(fd)
            raise
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        if err.filename in (tmp, None):
            raise _naming_target(err, path) from None
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _naming_target(err: OSError, path: Path) -> OSError:
    """The same error, naming the file asked for instead of the temporary file beside it."""
    if err.errno is None:
        return err
    return type(err)(err.errno, err.strerror, str(path))


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (where the platform lets a folder be fsynced)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse
        pass
    finally:
        os.close(fd)


def atomic_write(path: PathLike, data: bytes) -> Path:
    """Replace ``path`` with ``data`` atomically; returns the path.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write(path, b"one").read_bytes()
    b'one'
    """
    path = Path(path)
    with atomic_open(path) as fh:
        fh.write(data)
    return path
