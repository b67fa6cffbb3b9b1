"""Alias of :mod:`rootmatch.analysis._metrics`, kept so that existing imports keep working."""

import importlib
import sys

sys.modules[__name__] = importlib.import_module("rootmatch.analysis._metrics")
