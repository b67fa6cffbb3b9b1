"""Alias of :mod:`rootmatch.domain.catalog`, kept so that existing imports keep working."""

import importlib
import sys

sys.modules[__name__] = importlib.import_module("rootmatch.domain.catalog")
