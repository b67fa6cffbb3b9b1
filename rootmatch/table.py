"""Alias of :mod:`rootmatch.domain.table`, kept so that existing imports keep working."""

import importlib
import sys

sys.modules[__name__] = importlib.import_module("rootmatch.domain.table")
