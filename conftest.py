"""Collection rules for the whole repository (doctests of the package included).

A module left at an old flat path (``rootmatch/<old>.py``) only replaces itself in
``sys.modules`` with the module that moved, and holds no doctest of its own. It is not
collected: in ``importlib`` mode pytest would execute the file as a module of its own and bind
that emptied module on the package, so that ``rootmatch.<old>`` no longer reached the real
module for the rest of the session. Its doctests run once, from the module it aliases.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent / "rootmatch"
_ALIAS = "sys.modules[__name__] = importlib.import_module("


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    if collection_path.suffix != ".py" or collection_path.resolve().parent != _PACKAGE:
        return None
    try:
        text = collection_path.read_text(encoding="utf-8")
    except OSError:
        return None
    return True if text.startswith('"""Alias of :mod:') and _ALIAS in text else None
