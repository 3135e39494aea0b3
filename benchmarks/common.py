"""Helpers shared by the benchmark scripts.

The scripts run as modules from the repository root (``python -m
benchmarks.NAME``; ``benchmarks`` is not an installed package). Repository
files (configs, tools) are found from this file's folder, never from the
working directory.
"""
import json
import os
import os.path as osp
import time
from typing import List

from benchmarks.forked_tools import run_tool
from diswot_mm.datasets.fashion_mnist import FASHION_MNIST_ROOT, FILES

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: One file of the installed Fashion-MNIST: whether the data is there.
FMNIST = osp.join(FASHION_MNIST_ROOT, FILES['train'][0])
FMNIST_TEACHER_CFG = 'configs/e2e/teacher_resnet56_fmnist.py'


def repo_path(path: str) -> str:
    """``path`` relative to the repository root, as an absolute path."""
    return osp.join(REPO, path)


def rss_mb() -> float:
    """Resident set size of this process now, in MB (Linux)."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS'):
                return int(line.split()[1]) / 1024
    return float('nan')


def run(cmd: List[str], log: str) -> float:
    """Run a repo tool (forked from a server that has imported the stack:
    :func:`benchmarks.forked_tools.run_tool`), its output to ``log``;
    fail loudly. Returns the seconds it took."""
    start = time.perf_counter()
    os.makedirs(osp.dirname(log), exist_ok=True)
    proc = run_tool(cmd, cwd=REPO, log=log)
    if proc.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)} failed; see {log}')
    return time.perf_counter() - start


def slug(label: str) -> str:
    """A file name for a run label: lower case, non-alphanumerics to _."""
    return ''.join(c if c.isalnum() else '_' for c in label.lower())


def train_options(epochs: int) -> List[str]:
    """--cfg-options of a short CPU training run of ``epochs`` epochs."""
    return [
        f'train_cfg.max_epochs={epochs}', f'param_scheduler.T_max={epochs}',
        'train_dataloader.num_workers=0', 'test_dataloader.num_workers=0',
        'val_dataloader.num_workers=0'
    ]


def train_fmnist_teacher(work_dir: str,
                         epochs: int,
                         options: List[str],
                         config: str = FMNIST_TEACHER_CFG) -> tuple:
    """Train the end-to-end ResNet56 teacher with tools/train.py unless its
    last checkpoint is already in ``work_dir``.

    Returns:
        tuple: (checkpoint path, seconds spent training: 0 when reused).
    """
    ckpt = osp.join(work_dir, f'epoch_{epochs}.pth')
    if osp.isfile(ckpt):
        return ckpt, 0.0
    seconds = run([
        'tools/train.py', config, '--work-dir', work_dir, '--no-validate',
        '--cfg-options', *train_options(epochs), *options
    ], osp.join(work_dir, 'train.log'))
    return ckpt, seconds


def tested_top1(config: str, ckpt: str, work_dir: str,
                options: List[str]) -> float:
    """Test ``ckpt`` with tools/test.py; its top-1."""
    run(['tools/test.py', config, ckpt, '--work-dir', work_dir] +
        (['--cfg-options', *options] if options else []),
        osp.join(work_dir, 'test.log'))
    with open(osp.join(work_dir, 'test_metrics.json')) as f:
        return json.load(f)['accuracy/top1']
