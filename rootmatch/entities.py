"""Alias of :mod:`rootmatch.domain._entities_compat`, kept so that existing imports keep working."""

import importlib
import sys

sys.modules[__name__] = importlib.import_module("rootmatch.domain._entities_compat")
