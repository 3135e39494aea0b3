"""The checks of ``tools/gpu_check.sh`` (run that script, which installs the
carried OpenMMLab wheels where they are missing):

    python tools/gpu_check.py OUT_DIR [--cpu] [--tiny]

Sections, each recorded with its status (ok / failed / skipped), seconds
and figures in OUT_DIR/gpu_check.json and a table in OUT_DIR/gpu_check.md:
- ``cuda_tests``: the tests marked ``cuda`` (pytest -m cuda);
- ``search_s1``, ``search_imagenet``: a real search with the configs'
  estimator settings (ImageNet: batch 32 at 224, 5 repeats) through
  benchmarks.search_throughput: ms per candidate, loop / floor, peak GPU
  memory;
- ``distill_{cifar,224}_{bf16,fp16}``: DisWOT+ (the configs' model and SGD)
  for 200 iterations on a fixed batch of the embedded images under mmengine's
  AmpOptimWrapper (the lr scaled to the batch by the config's
  ``auto_scale_lr`` rule): images/s, every logged term finite at every
  iteration,
  the total loss falling (mean of the last tenth below the first tenth);
- ``dist_train``: ``tools/dist_train.sh CONFIG 1`` (NCCL on a GPU, with
  --amp); ``dist_search``: a 1-process ``tools/dist_search.sh`` search.
``--cpu``: run on the CPU (mmengine's AmpOptimWrapper needs an accelerator:
there the plain OptimWrapper inside ``torch.autocast('cpu', dtype)``);
``--tiny``: tiny sizes and a few iterations (the test suite runs
``--cpu --tiny`` so this script cannot rot); ``--sections NAME ...``: only
those. Exit status 1 when a section failed.
"""
import argparse
import contextlib
import gc
import json
import math
import os
import os.path as osp
import re
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from typing import Callable, Dict

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

import torch  # noqa: E402

import diswot_mm  # noqa: E402,F401  (compat fixes, registries)
from diswot_mm.utils.machine import machine_info  # noqa: E402

gc.freeze()  # the imported stack: not rescanned at every dataset build

# sizes of the distillation runs: name -> (config, batch, image px)
DISTILL = {
    'cifar':
    ('configs/distill/diswot_plus_resnet110_resnet20_cifar100.py', 64, 32),
    '224':
    ('configs/distill/diswot_plus_resnet34_resnet18_imagenet.py', 32, 224),
}
# --tiny: (batch, px, config changes) of each: smaller teachers; at 224,
# ResNet18s a quarter as wide (CPU autocast's cost follows the weights:
# 19 -> 2 s a run); seeded, so whether the loss falls is reproducible
NARROW = {
    'backbone.base_channels': 16,
    'backbone.stem_channels': 16,
    'head.in_channels': 128
}
DISTILL_TINY = {
    'cifar': (4, 32, {
        'model.teacher.backbone.arch': 'resnet20'
    }),
    '224': (2, 64, {
        'model.teacher.backbone.depth': 18,
        **{
            f'model.{net}.{k}': v
            for net in ('teacher', 'architecture')
            for k, v in NARROW.items()
        }
    }),
}
# the 1-GPU search through tools/dist_search.sh (2 generations; --tiny: 1)
SEARCH_OPTIONS = [
    'train_cfg.num_candidates=8', 'train_cfg.top_k=3',
    'train_cfg.num_mutation=3', 'train_cfg.num_crossover=3',
    'train_cfg.max_epochs=2'
]
SEARCH_OPTIONS_TINY = [
    'train_cfg.num_candidates=3', 'train_cfg.top_k=1',
    'train_cfg.num_mutation=1', 'train_cfg.num_crossover=1',
    'train_cfg.max_epochs=1', 'train_cfg.estimator.repeats=1'
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out_dir', help='where gpu_check.json/.md go')
    parser.add_argument('--cpu', action='store_true', help='on the CPU')
    parser.add_argument(
        '--tiny', action='store_true', help='tiny sizes, a few iterations')
    parser.add_argument(
        '--sections',
        nargs='+',
        metavar='NAME',
        help='run only these sections (default: all)')
    return parser.parse_args()


def run_tool(cmd, timeout: int, env: dict = None) -> dict:
    """Run a command in the repo; its status, seconds and output tail."""
    env = dict(os.environ, PYTHONWARNINGS='ignore', **(env or {}))
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env)
        output, code = proc.stdout + proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        output, code = f'{exc.stdout or ""}{exc.stderr or ""}', 'timeout'
    return dict(
        status='ok' if code == 0 else 'failed',
        returncode=code,
        seconds=round(time.perf_counter() - start, 1),
        command=' '.join(cmd),
        output=output)


def cuda_tests(args) -> dict:
    result = run_tool([
        sys.executable, '-m', 'pytest', '-q', '-m', 'cuda', '-p',
        'no:cacheprovider', 'tests/test_cuda.py'
    ],
                      timeout=300)
    # 'errors', not pytest's 'error': a row's 'error' is its traceback
    counts = {
        word.replace('error', 'errors'): int(n)
        for n, word in re.findall(r'(\d+) (passed|failed|skipped|error)\b',
                                  result['output'])
    }
    result.update(counts)
    if result['returncode'] == 0 and not counts.get('passed'):
        result['status'] = 'skipped'  # every test skipped: no CUDA
    return result


def search(space: str, args) -> dict:
    from benchmarks.search_throughput import measure
    row = measure(
        space,
        candidates=3 if args.tiny else 20,
        tiny=args.tiny,
        reference=False)
    return dict(status='ok', **row)


def minibatch(batch: int, scale: int) -> dict:
    """``batch`` embedded images at ``scale`` px, as a dataloader yields."""
    from mmengine.dataset import pseudo_collate

    from benchmarks.search_throughput import sample_dataloader
    from diswot_mm.registry import DATASETS, build_in_scope
    dataset = build_in_scope(
        sample_dataloader(batch, scale)['dataset'], DATASETS)
    return pseudo_collate([dataset[i % len(dataset)] for i in range(batch)])


def distill(name: str, dtype: str, args) -> dict:
    """DisWOT+ for a number of iterations under AMP on a fixed batch."""
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope

    from diswot_mm.registry import MODELS
    config, batch, scale = DISTILL[name]
    cfg = Config.fromfile(osp.join(REPO, config))
    if args.tiny:
        batch, scale, changes = DISTILL_TINY[name]
        cfg.merge_from_dict(changes)
    iters = 6 if args.tiny else 200
    cfg.model.require_teacher_ckpt = False  # a random teacher will do
    # the config's own linear scaling rule for another batch (as mmengine's
    # auto_scale_lr): the ImageNet recipe's lr 0.1 is for batch 256
    cfg.optim_wrapper.optimizer.lr *= (
        batch / cfg.auto_scale_lr.base_batch_size)
    device = 'cpu' if args.cpu else 'cuda'
    torch.manual_seed(0)  # the same random networks every run
    with DefaultScope.overwrite_default_scope('diswot_mm'):
        model = MODELS.build(cfg.model).to(device)
        wrapper_cfg = cfg.optim_wrapper.to_dict()
        if args.cpu:
            wrapper_cfg.update(type='OptimWrapper')
        else:
            wrapper_cfg.update(
                type='AmpOptimWrapper', dtype=dtype, loss_scale='dynamic')
        optim_wrapper = build_optim_wrapper(model, wrapper_cfg)
    data = minibatch(batch, scale)
    model.train()
    totals, terms_finite, seconds = [], True, 0.0
    warmup = 1 if args.tiny else 10
    for step in range(iters):
        # on a GPU the AmpOptimWrapper's own autocast
        context = (
            torch.autocast('cpu', dtype=getattr(torch, dtype))
            if args.cpu else contextlib.nullcontext())
        if step == warmup:
            sync(device)
            start = time.perf_counter()
        with context:
            log_vars = model.train_step(data, optim_wrapper)
        values = {
            k: float(torch.as_tensor(v).detach())
            for k, v in log_vars.items()
        }
        terms_finite &= all(math.isfinite(v) for v in values.values())
        totals.append(values['loss'])
    sync(device)
    seconds = time.perf_counter() - start
    tenth = max(1, iters // 10)
    first, last = (sum(totals[:tenth]) / tenth, sum(totals[-tenth:]) / tenth)
    falling = last < first
    return dict(
        status='ok' if terms_finite and falling else 'failed',
        optim_wrapper=wrapper_cfg['type'] +
        (f' in torch.autocast(cpu, {dtype})' if args.cpu else ''),
        dtype=dtype,
        batch=batch,
        resolution=scale,
        iterations=iters,
        lr=cfg.optim_wrapper.optimizer.lr,
        images_per_s=round(batch * (iters - warmup) / seconds, 1),
        terms=sorted(values),
        terms_finite=terms_finite,
        loss_first=round(first, 4),
        loss_last=round(last, 4),
        loss_falling=falling,
        peak_gpu_mb=None if args.cpu else round(
            torch.cuda.max_memory_allocated() / 2**20, 1))


def free_port() -> str:
    """A TCP port nobody listens on now (for torchrun's rendezvous)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return str(sock.getsockname()[1])


def sync(device: str) -> None:
    if device == 'cuda':
        torch.cuda.synchronize()


def dist_train(args) -> dict:
    work_dir = tempfile.mkdtemp(prefix='gpu_check_train_')
    cmd = [
        'bash', 'tools/dist_train.sh', 'tests/data/distill_tiny.py', '1',
        '--work-dir', work_dir
    ]
    if not args.cpu:
        cmd += ['--amp']
    if not args.tiny:
        cmd += ['--cfg-options', 'train_cfg.max_iters=20']
    result = run_tool(
        cmd, timeout=300, env=dict(PORT=free_port(), PYTHON=sys.executable))
    backend = re.findall(r"backend='(\w+)'", result['output'])
    result['backend'] = backend[-1] if backend else None
    result['checkpoint'] = any(
        f.endswith('.pth') for f in os.listdir(work_dir))
    if not result['checkpoint']:
        result['status'] = 'failed'
    return result


def dist_search(args) -> dict:
    work_dir = tempfile.mkdtemp(prefix='gpu_check_search_')
    options = SEARCH_OPTIONS_TINY if args.tiny else SEARCH_OPTIONS
    result = run_tool([
        'bash', 'tools/dist_search.sh', 'configs/diswot_cifar100.py', '1',
        '--work-dir', work_dir, '--cfg-options', *options
    ],
                      timeout=300,
                      env=dict(PORT=free_port(), PYTHON=sys.executable))
    best = osp.join(work_dir, 'best_fix_subnet.yaml')
    result['best_fix_subnet'] = osp.isfile(best)
    if not result['best_fix_subnet']:
        result['status'] = 'failed'
    return result


def sections(args) -> Dict[str, Callable[[], dict]]:
    checks = dict(
        cuda_tests=lambda: cuda_tests(args),
        search_s1=lambda: search('s1', args),
        search_imagenet=lambda: search('imagenet', args))
    for name in DISTILL:
        for dtype in ('bfloat16', 'float16'):
            checks[f'distill_{name}_{dtype}'] = (
                lambda n=name, d=dtype: distill(n, d, args))
    checks.update(
        dist_train=lambda: dist_train(args),
        dist_search=lambda: dist_search(args))
    return checks


def markdown(report: dict) -> str:
    lines = [
        f"# gpu_check ({report['mode']}), {report['date']}", '',
        f"Machine: {report['machine']}", '',
        '| section | status | s | figures |', '|---|---|---|---|'
    ]
    skip = ('status', 'seconds', 'output', 'error', 'command')
    for name, row in report['sections'].items():
        figures = ', '.join(f'{k}={v}' for k, v in row.items()
                            if k not in skip)
        lines.append(f"| {name} | {row['status']} | {row.get('seconds')} | "
                     f'{figures} |')
    for name, row in report['sections'].items():
        if row['status'] == 'failed':
            tail = (row.get('error') or row.get('output', ''))[-3000:]
            lines += ['', f'## {name} failed', '', '```', tail, '```']
    return '\n'.join(lines) + '\n'


def main():
    args = parse_args()
    if not args.cpu and not torch.cuda.is_available():
        sys.exit('gpu_check: no CUDA device; use --cpu (with --tiny for '
                 'the smoke test).')
    if args.cpu:
        os.environ['CUDA_VISIBLE_DEVICES'] = ''  # subprocesses too
    os.makedirs(args.out_dir, exist_ok=True)
    report = dict(
        mode=('cpu' if args.cpu else 'cuda') + (' tiny' if args.tiny else ''),
        date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
        machine=machine_info(),
        sections={})
    checks = sections(args)
    unknown = set(args.sections or []) - set(checks)
    if unknown:
        sys.exit(f'gpu_check: unknown sections {sorted(unknown)}; choose '
                 f'from {list(checks)}.')
    for name, check in checks.items():
        if args.sections and name not in args.sections:
            continue
        start = time.perf_counter()
        try:
            row = check()
        except Exception:  # recorded, and the other sections still run
            row = dict(status='failed', error=traceback.format_exc())
        row.setdefault('seconds', round(time.perf_counter() - start, 1))
        if row['status'] == 'ok':
            row.pop('output', None)  # keep the report short
        elif 'output' in row:
            row['output'] = row['output'][-6000:]
        report['sections'][name] = row
        print(
            f"gpu_check {name}: {row['status']} ({row['seconds']} s)",
            flush=True)
        with open(osp.join(args.out_dir, 'gpu_check.json'), 'w') as f:
            json.dump(report, f, indent=1)  # after each section: a timeout
        with open(osp.join(args.out_dir, 'gpu_check.md'), 'w') as f:
            f.write(markdown(report))  # still leaves what was measured
    failed = [
        n for n, r in report['sections'].items() if r['status'] == 'failed'
    ]
    print(f'gpu_check: {len(failed)} failed {failed}; see '
          f"{osp.join(args.out_dir, 'gpu_check.md')}")
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
