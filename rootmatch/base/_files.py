"""Reading a file a user names, safely: regular files only, bounded in size, never blocking.

A path handed to a loader may name a device (``/dev/zero`` reads forever), a FIFO (``open``
blocks until a writer comes) or a file far larger than any real input. :func:`read_regular`
opens without blocking, checks the opened file itself (no race with a path swapped after the
check), and reads at most ``limit`` bytes.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

__all__ = ["read_regular"]


def read_regular(path: str | os.PathLike[str], limit: int, *,
                 error: Callable[[str], Exception], what: str = "file") -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Parameters
    ----------
    path : path-like
    limit : int
        The largest size accepted, in bytes.
    error : callable
        Makes the exception raised for a file that is not regular or is too large, from a
        message that names the file.
    what : str, default="file"
        What the file is, for messages (``"saved model"``, ``"CSV file"``).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    Exception
        ``error(message)``: not a regular file, or larger than ``limit``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = path.write_bytes(b"hello")
    >>> read_regular(path, 10, error=ValueError)
    b'hello'
    >>> read_regular("/dev/zero", 10, error=ValueError)
    Traceback (most recent call last):
    ...
    ValueError: /dev/zero: not a regular file; a file is one
    >>> read_regular(path, 3, error=ValueError, what="note")
    Traceback (most recent call last):
    ...
    ValueError: ...a.txt: 5 bytes, over the limit of 3: a note has at most 3 bytes
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)  # the opened file itself
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{path}: not a regular file; a {what} is one")
        if st.st_size > limit:
            raise error(f"{path}: {st.st_size:,} bytes, over the limit of {limit:,}: a {what} has "
                        f"at most {limit:,} bytes")
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb", buffering=0) as fh:
        chunks, total = [], 0
        while chunk := fh.read(min(1 << 20, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise error(f"{path}: grew past the limit of {limit:,} bytes while being read")
    return b"".join(chunks)
