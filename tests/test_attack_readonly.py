"""A read-only install run by a user without a home: rootmatch imports and recommends with its
compiled kernels (compiled in memory when no cache location is writable)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import rootmatch as rm

NOBODY = 65534  # the unprivileged "nobody" user and "nogroup" group on Linux

SCRIPT = r"""
import json, sys
import numpy as np
import rootmatch as rm
from rootmatch.engine.matchmaker import Matchmaker
from rootmatch.engine import _kernels

assert rm.__file__.startswith(sys.argv[1]), rm.__file__
pop = rm.synth.generate_population(150, seed=3)
net = rm.SupportNetwork.from_population(pop, hub=True, seed=1)
mm = Matchmaker(random_state=0).fit(net)
firm = str(mm.table_.small().ids[0])
out = {"have_numba": _kernels.HAVE_NUMBA, "cache": _kernels.CACHE}
for name, use in (("compiled", None), ("numpy", False)):
    mm.set_params(use_numba=use)
    ids, scores = mm.recommend_all(k=5)
    recs = mm.recommend_partners(firm, k=5, kinds=("firm",))
    out[name] = {"ids": ids.tolist(), "scores": scores.astype(float).tolist(),
                 "one": [r.target for r in recs], "one_scores": [r.score for r in recs]}
out["fold_signatures"] = len(_kernels.fold_kernel.signatures)
out["row_signatures"] = len(_kernels.row_kernel.signatures)
print(json.dumps(out))
"""


@pytest.fixture
def readonly_copy() -> Iterator[Path]:
    """A copy of the installed package in a folder nobody may write to."""
    root = Path(tempfile.mkdtemp(prefix="rootmatch-ro-"))
    shutil.copytree(Path(rm.__file__).parent, root / "rootmatch",
                    ignore=shutil.ignore_patterns("__pycache__"))
    paths = [root, *root.rglob("*")]
    for p in paths:
        mode = 0o555 if p.is_dir() else 0o444
        p.chmod(mode)
    try:
        yield root
    finally:
        for p in paths:
            p.chmod(stat.S_IRWXU)
        shutil.rmtree(root)


def _drop_to_nobody() -> None:  # pragma: no cover - runs in the child
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def _interpreter(env: dict[str, str], preexec: Callable[[], None] | None
                 ) -> tuple[str, list[str]] | None:
    """A Python the unprivileged user can run with this environment's packages importable.

    This interpreter may sit in a folder only its owner can enter (a per-user install): then
    the system's build of the same version, pointed at this environment's site-packages.
    """
    site_dirs = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    options = [(sys.executable, [])]
    options += [(str(Path(d) / version), site_dirs) for d in ("/usr/bin", "/usr/local/bin")]
    for exe, extra in options:
        if not Path(exe).is_file():
            continue
        probe_env = dict(env, PYTHONPATH=os.pathsep.join(extra))
        try:
            probe = subprocess.run([exe, "-c", "import numba, numpy, scipy, sklearn"],
                                   env=probe_env, cwd="/", preexec_fn=preexec,
                                   capture_output=True, timeout=120)
        except OSError:
            continue
        if probe.returncode == 0:
            return exe, extra
    return None


@pytest.mark.skipif(not hasattr(os, "setuid"), reason="needs POSIX users and permissions")
@pytest.mark.parametrize("cache_env", [None, "NUMBA_CACHE_DIR", "XDG_CACHE_HOME",
                                       "NUMBA_CACHE_DIR read-only"])
def test_readonly_install_without_home_uses_the_compiled_kernels(
    readonly_copy: Path, cache_env: str | None
) -> None:
    """Nothing writable: compiled in memory. A writable cache folder (numba's own variable,
    or the platform cache folder): compiled once into it. Results equal the numpy path."""
    pytest.importorskip("numba")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("NUMBA_", "XDG_", "ROOTMATCH_", "PYTHON"))}
    env.update(HOME="/nonexistent", PYTHONDONTWRITEBYTECODE="1")
    # as root, run as "nobody"; as anyone else, as oneself: the copy is read-only either way
    preexec = _drop_to_nobody if os.geteuid() == 0 else None
    found = _interpreter(env, preexec)
    if found is None:
        pytest.skip("no Python with numba, numpy, scipy and scikit-learn that the "
                    "unprivileged user can run")
    exe, site_dirs = found
    env["PYTHONPATH"] = os.pathsep.join([str(readonly_copy), *site_dirs])
    cache_dir = Path(tempfile.mkdtemp(prefix="rootmatch-cache-"))
    writable = cache_env in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME")
    cache_dir.chmod(0o777 if writable else 0o555)
    if cache_env is not None:
        env[cache_env.split()[0]] = str(cache_dir)
    try:
        proc = subprocess.run([exe, "-c", SCRIPT, str(readonly_copy)], env=env,
                              cwd=readonly_copy, preexec_fn=preexec, capture_output=True,
                              text=True, timeout=600)
        cached = sorted(p.name for p in cache_dir.rglob("*.nbi"))
    finally:
        cache_dir.chmod(stat.S_IRWXU)
        shutil.rmtree(cache_dir)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["have_numba"] is True
    assert out["cache"] is writable
    assert bool(cached) is writable, cached  # an on-disk index per cached kernel, or none
    # the compiled path ran: both kernels were compiled in the child
    assert out["fold_signatures"] >= 1
    assert out["row_signatures"] >= 1
    compiled, numpy = out["compiled"], out["numpy"]
    assert compiled["ids"] == numpy["ids"]
    assert compiled["scores"] == numpy["scores"]
    assert compiled["one"] == numpy["one"]
    assert compiled["one_scores"] == pytest.approx(numpy["one_scores"], abs=1e-5)


def test_disabling_numba_keeps_it_unloaded_and_results_equal() -> None:
    """``ROOTMATCH_DISABLE_NUMBA`` selects the numpy paths: numba is never imported."""
    code = (
        "import sys, numpy as np, rootmatch as rm\n"
        "from rootmatch.engine import _topk\n"
        "pop = rm.synth.generate_population(120, seed=4)\n"
        "mm = rm.Matchmaker(random_state=0).fit(rm.SupportNetwork.from_population(pop))\n"
        "ids, _ = mm.recommend_all(k=4)\n"
        "mm.recommend_partners(str(ids[0, 0]) or str(mm.firm_ids_[0]), k=3)\n"
        "print(_topk.HAVE_NUMBA, 'numba' in sys.modules, '|'.join(ids[:5].ravel()))\n"
    )
    env = dict(os.environ, ROOTMATCH_DISABLE_NUMBA="1")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    have, loaded, ids = proc.stdout.split()
    assert (have, loaded) == ("False", "False")
    pop = rm.synth.generate_population(120, seed=4)
    mm = rm.Matchmaker(random_state=0).fit(rm.SupportNetwork.from_population(pop))
    assert ids == "|".join(mm.recommend_all(k=4)[0][:5].ravel())
