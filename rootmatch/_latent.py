"""Alias of :mod:`rootmatch.synth._latent`, kept so that existing imports keep working."""

import importlib
import sys

sys.modules[__name__] = importlib.import_module("rootmatch.synth._latent")
