"""Where a search's time goes, per candidate, for S1, NAS-Bench-201 and the
ImageNet space, side by side in one run.

    python -m benchmarks.search_throughput [--candidates 40] [--out FILE]
        [--spaces s1 nb201 imagenet] [--tiny]

Per space, a real ``TrainingFreeSearchLoop.run`` with the config's default
estimator settings (the embedded sample images as the minibatch; ImageNet:
the config's batch of 32 at 224 px, from the 40 embedded CIFAR-100 and
CIFAR-10 images) on the estimator's device (CUDA when available); loop = its
wall time (every generation, its checks and outputs) over the candidates it
scored. Then, on up to ``--candidates``
of those candidates (a random sample; means, so comparable with the loop's
mean), interleaved:
- floor: what the score cannot avoid, ``repeats`` bare no-grad forwards of
  the active path on the minibatch (BatchNorm on batch statistics);
- score: ``estimator.score`` (seeded re-init + forwards + metrics);
- check: the config's constraint check (ActivePathResourceEstimator), and
  mmrazor's ``check_subnet_resources`` (export of a sliced copy) for
  reference.
Times on CUDA are taken after a synchronisation, and the peak GPU memory
of the space's search is reported. ``--tiny``: a few candidates, 1 repeat,
small images (a smoke test of this script, e.g. by tools/gpu_check.sh).
Writes ``work_dirs/search_throughput.json``.
"""
import argparse
import json
import os
import os.path as osp
import random
import statistics
import tempfile
import time

import torch
from mmengine.config import Config
from mmengine.runner import Runner

import diswot_mm  # noqa: F401
from benchmarks.common import repo_path
from diswot_mm.models.task_modules.estimators.batch_norm import \
    batch_statistics
from diswot_mm.registry import TASK_UTILS, build_in_scope
from diswot_mm.utils.machine import machine_info
from diswot_mm.utils.progress import track


def sample_dataloader(batch_size: int, scale: int) -> dict:
    """The 40 embedded CIFAR-100 and CIFAR-10 images at ``scale`` px."""
    pipeline = [
        dict(type='mmpretrain.Resize', scale=scale),
        dict(type='mmpretrain.PackInputs')
    ]
    return dict(
        batch_size=batch_size,
        dataset=dict(
            type='mmengine.ConcatDataset',
            ignore_keys=['classes'],
            datasets=[
                dict(type='CIFARSamples', subset=s, pipeline=pipeline)
                for s in ('cifar100', 'cifar10')
            ]),
        sampler=dict(type='DefaultSampler', shuffle=False))


# space -> (config, minibatch (None: the estimator's default), loop settings
# of the timed search)
SPACES = dict(
    s1=('configs/diswot_cifar100.py', None, {}),
    nb201=('configs/diswot_nb201_cifar100.py', None, dict(max_epochs=3)),
    # ImageNet: the config's first generation (50 candidates), which
    # amortises the search's one-off costs (teacher, minibatch, outputs:
    # about 40 s at batch 32 on 1 CPU thread) as a real search does
    imagenet=('configs/diswot_imagenet.py', sample_dataloader(32, 224),
              dict(max_epochs=1, num_mutation=0, num_crossover=0)))
# --tiny: what replaces the above (minibatch, estimator and loop settings;
# ImageNet: FLOPs counted at 32 px, so few candidates are rejected)
TINY = dict(
    s1=(None, dict(repeats=1),
        dict(
            max_epochs=1,
            num_candidates=3,
            top_k=1,
            num_mutation=0,
            num_crossover=0)),
    nb201=(None, dict(repeats=1),
           dict(
               max_epochs=1,
               num_candidates=3,
               top_k=1,
               num_mutation=0,
               num_crossover=0)),
    imagenet=(sample_dataloader(2, 32), dict(repeats=1),
              dict(
                  max_epochs=1,
                  num_candidates=2,
                  top_k=1,
                  num_mutation=0,
                  num_crossover=0,
                  resource_estimator=dict(
                      type='ActivePathResourceEstimator',
                      input_shape=(1, 3, 32, 32)))))


def synchronize():
    """Wait for the GPU (if any) before reading a clock."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def mean_ms(values):
    return round(statistics.mean(values) * 1000, 2)


def search(cfg, dataloader, overrides, estimator_overrides=None):
    """A real search of ``cfg``: (the finished loop, its wall seconds)."""
    cfg = Config(cfg.to_dict())
    cfg.train_cfg.estimator.dataloader = dataloader
    if dataloader is None:  # the embedded images: CIFAR-100 preprocessing
        cfg.train_cfg.estimator.pop('data_preprocessor', None)
    cfg.train_cfg.estimator.update(estimator_overrides or {})
    cfg.train_cfg.update(overrides)
    cfg.distill_configs = {}
    with tempfile.TemporaryDirectory() as work_dir:
        cfg.work_dir = work_dir
        # mmengine's visualizer is a singleton per experiment name, which is
        # the start second for a config without a file: a second search in
        # the same second would write into the first's (deleted) work_dir
        cfg.experiment_name = osp.basename(work_dir)
        cfg.log_level = 'WARNING'
        runner = Runner.from_cfg(cfg)
        synchronize()
        start = time.perf_counter()
        runner.train()
        synchronize()
        return runner.train_loop, time.perf_counter() - start


def parts(loop, count, reference=True):
    """Mean floor / score / check ms over ``count`` of the candidates the
    search scored (a random sample, interleaved), with the search's own
    model, estimator and constraint check, and (``reference``) mmrazor's
    check for reference."""
    # imported after diswot_mm's compatibility fixes
    from mmrazor.engine.runner.utils import check_subnet_resources
    model, estimator = loop.model, loop.estimator
    resources = loop.search_config['resource_estimator']
    reference_estimator = build_in_scope(
        dict(
            resources,
            type='mmrazor.ResourceEstimator',
            input_shape=tuple(resources['input_shape'])), TASK_UTILS)
    archs = sorted(loop.records)
    archs = random.Random(0).sample(archs, min(count, len(archs)))
    times = dict(floor=[], score=[], check=[], check_mmrazor=[])
    for arch in track(archs, desc='timing the parts'):
        choices = loop.space.choices_of(arch)
        start = time.perf_counter()
        loop.resource_estimator.check_subnet(model, choices,
                                             loop.settings.constraints_range)
        times['check'].append(time.perf_counter() - start)
        if reference:
            start = time.perf_counter()
            check_subnet_resources(model, choices, reference_estimator,
                                   loop.settings.constraints_range)
            times['check_mmrazor'].append(time.perf_counter() - start)
        model.mutator.set_choices(choices)
        synchronize()
        start = time.perf_counter()
        with torch.no_grad(), batch_statistics(model):
            for _ in range(estimator.repeats):
                model.architecture(estimator.inputs, mode='tensor')
        synchronize()
        times['floor'].append(time.perf_counter() - start)
        start = time.perf_counter()
        estimator.score(model, key=arch)  # its final scalars synchronise
        times['score'].append(time.perf_counter() - start)
    return {f'{k}_ms': mean_ms(v) for k, v in times.items() if v}


def measure(space: str,
            candidates: int = 40,
            tiny: bool = False,
            reference: bool = True) -> dict:
    """Search ``space`` (a key of :data:`SPACES`) and time its parts
    (``reference``: mmrazor's check too).

    Returns:
        dict: ``floor_ms``, ``score_ms``, ``check_ms``, ``check_mmrazor_ms``,
        ``loop_ms`` (per candidate), their ratios to the floor, the loop's
        candidate count, repeats, batch, resolution, device and
        ``peak_gpu_mb`` (None without CUDA).
    """
    config, dataloader, overrides = SPACES[space]
    estimator_overrides = {}
    if tiny:
        dataloader, estimator_overrides, overrides = TINY[space]
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    loop, seconds = search(
        Config.fromfile(repo_path(config)), dataloader, overrides,
        estimator_overrides)
    row = parts(loop, candidates, reference)
    estimator = loop.estimator
    row.update(
        loop_ms=round(seconds / len(loop.records) * 1000, 2),
        loop_candidates=len(loop.records),
        repeats=estimator.repeats,
        batch=int(estimator.inputs.shape[0]),
        resolution=int(estimator.inputs.shape[-1]),
        device=str(estimator.device),
        peak_gpu_mb=round(torch.cuda.max_memory_allocated() /
                          2**20, 1) if torch.cuda.is_available() else None)
    for key in ('score', 'check', 'loop'):
        row[f'{key}_over_floor'] = round(row[f'{key}_ms'] / row['floor_ms'], 3)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--candidates', type=int, default=40)
    parser.add_argument(
        '--spaces', nargs='+', default=list(SPACES), choices=list(SPACES))
    parser.add_argument(
        '--tiny',
        action='store_true',
        help='a few candidates, 1 repeat, small images')
    parser.add_argument('--out', default='work_dirs/search_throughput.json')
    args = parser.parse_args()
    results = {}
    for space in args.spaces:
        results[space] = measure(space, args.candidates, args.tiny)
        print(space, results[space], flush=True)
    results['machine'] = machine_info()
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(results, f, indent=1)
    print(f'Saved {args.out}')


if __name__ == '__main__':
    main()
