"""Alias of :mod:`rootmatch.engine.matchmaker`, kept so that existing imports keep working."""

import importlib
import sys

sys.modules[__name__] = importlib.import_module("rootmatch.engine.matchmaker")
