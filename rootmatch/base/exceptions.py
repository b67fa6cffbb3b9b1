"""The exception hierarchy of rootmatch.

Every error rootmatch raises on purpose is a :class:`RootmatchError`; each concrete error also
inherits the builtin a caller would catch without knowing rootmatch (``KeyError`` for an
unknown id, ``ValueError`` for a bad value), so ``except KeyError`` keeps working.
"""

from __future__ import annotations

from sklearn.exceptions import NotFittedError

__all__ = [
    "DataError",
    "EligibilityError",
    "ModelFormatError",
    "NotFittedError",
    "RegistryFileError",
    "RegistryLockedError",
    "RootmatchError",
    "UnknownEntityError",
    "UnknownLabelError",
    "ValidationError",
]


class RootmatchError(Exception):
    """Base class of every error rootmatch raises on purpose."""


class ValidationError(RootmatchError, ValueError):
    """A value is out of its domain; the message names the field and the value.

    Attributes
    ----------
    field : str or None
        The offending field.
    value : object
        The offending value.
    """

    def __init__(self, message: str, *, field: str | None = None, value: object = None) -> None:
        super().__init__(message)
        self.field = field
        self.value = value


class UnknownLabelError(ValidationError):
    """A label does not name any member of a taxonomy enum."""


class UnknownEntityError(RootmatchError, KeyError):
    """An entity id (firm, institute, program) is not known."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class EligibilityError(RootmatchError, ValueError):
    """A rule cannot be evaluated (for instance a user predicate returned a bad mask)."""


class DataError(RootmatchError, ValueError):
    """Bad input data: names the file, the row, the field and the value.

    Attributes
    ----------
    problems : list of Problem-like objects
        Every problem found (one when ``errors="raise"``).
    """

    def __init__(self, message: str, *, problems: list | None = None) -> None:  # type: ignore[type-arg]
        super().__init__(message)
        self.problems = list(problems or [])


class ModelFormatError(RootmatchError, ValueError):
    """A saved model is truncated, tampered with, of another format version, or not ours."""


class RegistryLockedError(RootmatchError, TimeoutError):
    """Another process held the registry's write lock for longer than the timeout."""


class RegistryFileError(RootmatchError, OSError):
    """The registry file cannot be opened or written: a folder, a missing folder, or no
    permission. ``filename`` is the registry, ``errno`` the reason (``EISDIR``, ``ENOENT``,
    ``EACCES``)."""


# Shown (in tracebacks and reprs) by the dotted path users import them from.
for _cls in (DataError, EligibilityError, ModelFormatError, RegistryFileError,
             RegistryLockedError, RootmatchError, UnknownEntityError, UnknownLabelError,
             ValidationError):
    _cls.__module__ = "rootmatch.exceptions"
del _cls
