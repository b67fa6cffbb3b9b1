"""Safe persistence: one ``.npz`` file of plain arrays plus a JSON header, never pickle.

The JSON header (format name and version, user metadata, and a SHA-256 checksum of every
array's name, dtype, shape and bytes) is stored inside the archive as a uint8 array named
``__meta__``. Reading uses ``numpy.load(..., allow_pickle=False)``; a truncated, tampered or
foreign file raises :class:`~rootmatch.exceptions.ModelFormatError`. Writing goes to a
temporary file in the same folder, then an atomic rename, so an existing file is never left
half-written.

The zip container itself is sealed: its archive comment (the last bytes of the file) is
``rootmatch-sha256:`` and the SHA-256 of every byte before it. The seal is checked before the
archive is parsed, so a change to *any* byte (a zip header, a timestamp, the seal itself) is
refused, not only a change to the arrays.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import struct
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .exceptions import ModelFormatError

__all__ = ["load_archive", "save_archive"]

_META = "__meta__"
_SEAL_PREFIX = b"rootmatch-sha256:"
_SEAL_LEN = len(_SEAL_PREFIX) + 64  # the prefix and a hex SHA-256
_EOCD = b"PK\x05\x06"  # zip end-of-central-directory signature
_EOCD_SIZE = 22  # that record without its comment; its last 2 bytes are the comment length


def _seal(fh: io.BufferedRandom) -> None:
    """Make the SHA-256 of the whole file its zip comment (``fh`` holds a comment-less zip)."""
    fh.seek(-_EOCD_SIZE, os.SEEK_END)
    eocd = fh.read(_EOCD_SIZE)
    if eocd[:4] != _EOCD or eocd[-2:] != b"\x00\x00":  # pragma: no cover - zipfile's layout
        raise RuntimeError("unexpected zip layout: no comment-less end record")
    fh.seek(-2, os.SEEK_END)
    fh.write(struct.pack("<H", _SEAL_LEN))
    fh.seek(0)
    h = hashlib.sha256()
    for chunk in iter(lambda: fh.read(1 << 20), b""):
        h.update(chunk)
    fh.write(_SEAL_PREFIX + h.hexdigest().encode("ascii"))  # at the end: read() reached it


def _check_seal(data: bytes, path: Path) -> None:
    body = len(data) - _SEAL_LEN
    if (body < _EOCD_SIZE or data[body - _EOCD_SIZE:body - _EOCD_SIZE + 4] != _EOCD
            or data[body - 2:body] != struct.pack("<H", _SEAL_LEN)
            or not data[body:].startswith(_SEAL_PREFIX)):
        raise ModelFormatError(
            f"{path}: not a rootmatch archive, or truncated (no integrity seal at its end)")
    if hashlib.sha256(data[:body]).hexdigest().encode("ascii") != data[body + len(_SEAL_PREFIX):]:
        raise ModelFormatError(f"{path}: checksum mismatch: the file was altered or truncated")


def _file_mode(path: Path) -> int:
    """The permissions a file written at ``path`` gets: those of the file it replaces, else
    what ``open`` would give a new file (0666 less the umask)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def _checksum(arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(meta, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save_archive(
    path: str | os.PathLike[str],
    arrays: Mapping[str, np.ndarray],
    meta: Mapping[str, Any],
    *,
    format_name: str,
    version: int,
) -> Path:
    """Write ``arrays`` and ``meta`` to ``path`` atomically; returns the path written."""
    path = Path(path)
    for name, a in arrays.items():
        if np.asarray(a).dtype.hasobject:
            raise ModelFormatError(f"array {name!r} holds Python objects; refusing to save it")
    body = {"format": format_name, "version": version, "meta": dict(meta)}
    body["checksum"] = _checksum(arrays, body)
    header = np.frombuffer(json.dumps(body, ensure_ascii=False).encode("utf-8"), np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, _file_mode(path))  # mkstemp's 0600 would make every saved model private
        with os.fdopen(fd, "w+b") as fh:
            np.savez_compressed(fh, **{_META: header}, **arrays)
            _seal(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_archive(
    path: str | os.PathLike[str], *, format_name: str, version: int
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read an archive written by :func:`save_archive` and verify it.

    Raises
    ------
    ModelFormatError
        When the file is not such an archive, is of another format or version, or its
        checksum does not match (truncated or tampered with).
    FileNotFoundError
        When ``path`` does not exist.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no saved model at {str(path)!r}")
    data = path.read_bytes()
    _check_seal(data, path)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except Exception as err:  # zip, zlib, .npy header errors: whatever a bad file raises
        raise ModelFormatError(f"{path}: not a readable rootmatch archive ({err})") from err
    if _META not in arrays:
        raise ModelFormatError(f"{path}: not a rootmatch archive (no header)")
    try:
        body = json.loads(arrays.pop(_META).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelFormatError(f"{path}: corrupt header ({err})") from err
    if not isinstance(body, dict) or body.get("format") != format_name:
        raise ModelFormatError(
            f"{path}: format {body.get('format') if isinstance(body, dict) else None!r}, "
            f"expected {format_name!r}")
    if body.get("version") != version:
        raise ModelFormatError(
            f"{path}: format version {body.get('version')!r}, this rootmatch reads {version}")
    stored = body.pop("checksum", None)
    if stored != _checksum(arrays, body):
        raise ModelFormatError(f"{path}: checksum mismatch: the file was altered or truncated")
    if not isinstance(body.get("meta"), dict):
        raise ModelFormatError(f"{path}: corrupt header (no metadata)")
    return arrays, body["meta"]
