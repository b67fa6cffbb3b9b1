"""Alias of :mod:`rootmatch.engine._topk`, kept so that existing imports keep working."""

import importlib
import sys

sys.modules[__name__] = importlib.import_module("rootmatch.engine._topk")
