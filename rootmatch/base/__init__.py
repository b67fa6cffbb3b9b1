"""The base layer: the exception hierarchy, argument checks and file plumbing."""

from rootmatch.base.exceptions import (
    DataError,
    EligibilityError,
    ModelFormatError,
    NotFittedError,
    RegistryFileError,
    RegistryLockedError,
    RootmatchError,
    UnknownEntityError,
    UnknownLabelError,
    ValidationError,
)

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
