import os
import subprocess
import sys

import pytest

import diswot_mm  # noqa: F401  (applies the compat fixes first)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pytest_collection_modifyitems(config, items):
    """Tests marked ``cuda`` are skipped where no CUDA device is."""
    import torch
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason='needs a CUDA device (marker cuda)')
    for item in items:
        if 'cuda' in item.keywords:
            item.add_marker(skip)


def run_python(code: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (nothing imported yet)."""
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    return subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, timeout=timeout, cwd=REPO, env=env)


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
