import gc
import itertools
import math
import os
import shutil
import socket
import subprocess
import sys
from typing import Callable, Dict, Optional, Sequence

import pytest
from filelock import FileLock

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pytest_configure(config):
    """Where tests run (not in an xdist controller, which only schedules
    them and so skips these 15 s of imports): the compat fixes before any
    test module imports the stack, and in each xdist worker (`make test`:
    one per core) one torch thread, also in every interpreter a test starts
    (it inherits the environment)."""
    if config.getoption('numprocesses', None) and \
            not hasattr(config, 'workerinput'):
        return
    import torch

    import diswot_mm  # noqa: F401  (applies the compat fixes first)

    # every dataset build gc.collect()s (mmengine): ~1 s to rescan the
    # imported stack each time, unless it is frozen
    gc.freeze()
    if os.environ.get('PYTEST_XDIST_WORKER'):
        os.environ.update(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
        torch.set_num_threads(1)


def free_port() -> str:
    """A TCP port the OS has free now, for a torchrun / gloo master, so that
    tests running at the same time (xdist workers, other checkouts) do not
    collide on a fixed one."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def once_per_session(tmp_path_factory, name: str, make: Callable[[str], None]):
    """The folder ``name`` that ``make(folder)`` fills once per pytest run,
    shared by every xdist worker: the first to ask makes it under a file
    lock, the others wait and reuse it (a failed ``make`` is retried by the
    next). Tests must only read it."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get('PYTEST_XDIST_WORKER'):
        root = root.parent  # the base folder all workers of this run share
    folder = root / name
    with FileLock(f'{folder}.lock'):
        if not (folder / '.made').exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (folder / '.made').touch()
    return folder


def pytest_collection_modifyitems(config, items):
    """Tests marked ``subprocess`` (the long ones) run first, so that under
    ``-n 2 --dist worksteal`` the short rest fills the end evenly; tests
    marked ``cuda`` are skipped where no CUDA device is."""
    import torch
    items.sort(key=lambda item: 'subprocess' not in item.keywords)
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason='needs a CUDA device (marker cuda)')
    for item in items:
        if 'cuda' in item.keywords:
            item.add_marker(skip)


def run_forked(
        argv: Sequence[str],
        timeout: float = 600,
        cwd: str = REPO,
        env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """``python *argv`` from the repository root, forked from a server that
    has imported the stack already
    (:func:`benchmarks.forked_tools.run_tool`); for import-time
    behaviour use :func:`run_python` (a fresh interpreter)."""
    from benchmarks.forked_tools import run_tool
    return run_tool(argv, cwd=cwd, env=env, timeout=timeout)


def run_python(code: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (nothing imported yet)."""
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    return subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True,
                          timeout=timeout,
                          cwd=REPO,
                          env=env)


def select(supernet, arch: str) -> None:
    """Select ``arch`` (in its space's naming) in an mmrazor supernet."""
    from diswot_mm.models.search_spaces import alias_to_choices
    backbone = supernet.architecture.backbone
    supernet.mutator.set_choices(
        alias_to_choices(supernet.mutator, backbone.decode(arch)))


@pytest.fixture(scope='session')
def sample_batch():
    """The 20 embedded CIFAR-100 images, normalised: (20, 3, 32, 32), (20,)."""
    from diswot_mm.datasets import load_minibatch
    return load_minibatch()


def kendall_tau_b(x, y) -> float:
    """Kendall tau-b counted pair by pair (concordant, discordant, ties):
    the reference the rank tool's scipy-based tau is tested against."""
    concordant = discordant = ties_x = ties_y = 0
    for i, j in itertools.combinations(range(len(x)), 2):
        dx, dy = x[i] - x[j], y[i] - y[j]
        if dx == 0 and dy == 0:
            continue
        if dx == 0:
            ties_x += 1
        elif dy == 0:
            ties_y += 1
        elif dx * dy > 0:
            concordant += 1
        else:
            discordant += 1
    return (concordant - discordant) / math.sqrt(
        (concordant + discordant + ties_x) *
        (concordant + discordant + ties_y))
