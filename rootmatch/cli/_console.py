"""Where a command writes, and how its files and errors are named."""

from __future__ import annotations

import contextlib
import os
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

__all__ = [
    "_Console",
    "_cut",
    "_file_error",
    "_make_parent",
    "_one_line",
    "_right",
    "_width",
    "_writing",
]


class _Console:
    """Where a command writes: results to ``out``, progress and messages to ``err``."""

    def __init__(self, *, quiet: bool, out: TextIO, err: TextIO) -> None:
        self.quiet = quiet
        self.out = out
        self.err = err

    @property
    def bars(self) -> bool:
        """Whether progress bars show: a terminal on stderr and no ``--quiet``."""
        isatty = getattr(self.err, "isatty", None)
        return not self.quiet and bool(isatty and isatty())

    def info(self, message: str) -> None:
        """An informational line (hidden by ``--quiet``)."""
        if not self.quiet:
            print(message, file=self.out)

    def result(self, text: str) -> None:
        print(text, file=self.out)

    @contextlib.contextmanager
    def steps(self, desc: str, total: int) -> Iterator[Callable[[str], None]]:
        """A progress bar over ``total`` named stages; call the yielded function per stage."""
        from tqdm import tqdm

        bar = tqdm(total=total, desc=desc, unit="step", file=self.err, leave=False,
                   disable=not self.bars)
        started = [False]

        def step(name: str) -> None:
            if started[0]:
                bar.update()
            started[0] = True
            bar.set_postfix_str(name)

        try:
            yield step
        finally:
            bar.close()

    @contextlib.contextmanager
    def counter(self, desc: str, unit: str) -> Iterator[Callable[[int, int], None]]:
        """A progress bar fed by ``progress(done, total)`` callbacks."""
        from tqdm import tqdm

        bar = tqdm(total=0, desc=desc, unit=unit, file=self.err, leave=False,
                   disable=not self.bars)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            yield progress
        finally:
            bar.close()


def _make_parent(path: Path) -> None:
    """Create the folder ``path`` goes in; a file in the way is named."""
    for folder in (path.parent, *path.parent.parents):
        if folder.exists():
            if not folder.is_dir():
                raise NotADirectoryError(20, "not a folder (cannot write "
                                             f"{str(path)!r} inside it)", str(folder))
            break
    path.parent.mkdir(parents=True, exist_ok=True)


@contextlib.contextmanager
def _writing(target: Path) -> Iterator[None]:
    """An error while writing names the file asked for, ``target`` (or, inside a folder
    ``target``, the file being written), not the temporary file an atomic write makes
    beside it (``.NAME.XXXXXXXX.tmp``)."""
    try:
        yield
    except OSError as err:
        if err.errno is None:
            raise
        name = None if err.filename is None else Path(os.fsdecode(err.filename))
        if name is None:
            raise type(err)(err.errno, err.strerror, str(target)) from err
        if name.name.startswith(".") and name.name.endswith(".tmp") and name.name.count(".") >= 3:
            real = name.parent / name.name[1:-4].rsplit(".", 1)[0]
            raise type(err)(err.errno, err.strerror, str(real)) from err
        raise


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal (Hangul and other wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns (with an ellipsis) and padded to exactly that."""
    if _width(text) > width:
        out, used = [], 0
        for c in text:
            w = _width(c)
            if used + w > width - 1:
                break
            out.append(c)
            used += w
        text = "".join(out) + "…"
    return text + " " * (width - _width(text))


def _right(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` terminal columns."""
    return " " * max(0, width - _width(text)) + text


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _file_error(err: OSError) -> str:
    what = err.strerror or _one_line(str(err)) or type(err).__name__
    name = err.filename if err.filename is not None else None
    return f"{name}: {what}" if name else what
