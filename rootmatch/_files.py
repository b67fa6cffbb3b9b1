"""Alias of :mod:`rootmatch.base._files`, kept so that existing imports keep working."""

import importlib
import sys

sys.modules[__name__] = importlib.import_module("rootmatch.base._files")
