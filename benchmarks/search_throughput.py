"""Where a search's time goes, per candidate, for S1, NAS-Bench-201 and the
ImageNet space, side by side in one run.

    python benchmarks/search_throughput.py [--candidates 40] [--out FILE]

Per space, a real ``TrainingFreeSearchLoop.run`` with the config's default
estimator settings (the embedded sample images as the minibatch; ImageNet:
4 of them at 224 px); loop = its wall time (every generation, its checks
and outputs) over the candidates it scored. Then, on up to ``--candidates``
of those candidates (a random sample; means, so comparable with the loop's
mean), interleaved:
- floor: what the score cannot avoid, ``repeats`` bare no-grad forwards of
  the active path on the minibatch (BatchNorm on batch statistics);
- score: ``estimator.score`` (seeded re-init + forwards + metrics);
- check: the config's constraint check (ActivePathResourceEstimator), and
  mmrazor's ``check_subnet_resources`` (export of a sliced copy) for
  reference.
Writes ``work_dirs/search_throughput.json``.
"""
import argparse
import json
import os
import os.path as osp
import platform
import random
import statistics
import tempfile
import time

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

import diswot_mm  # noqa: F401
from diswot_mm.models.task_modules.estimators.utils import batch_statistics
from diswot_mm.registry import TASK_UTILS
from diswot_mm.utils.progress import track

IMAGENET_SAMPLES = dict(
    batch_size=4,
    dataset=dict(
        type='CIFARSamples',
        subset='cifar100',
        pipeline=[
            dict(type='mmpretrain.Resize', scale=224),
            dict(type='mmpretrain.PackInputs')
        ]),
    sampler=dict(type='DefaultSampler', shuffle=False))
# space -> (config, minibatch, loop settings of the timed search)
SPACES = dict(
    s1=('configs/diswot_cifar100.py', None, {}),
    nb201=('configs/diswot_nb201_cifar100.py', None, dict(max_epochs=3)),
    imagenet=('configs/diswot_imagenet.py', IMAGENET_SAMPLES,
              dict(max_epochs=1, num_candidates=6, top_k=2, num_mutation=0,
                   num_crossover=0)))


def mean_ms(values):
    return round(statistics.mean(values) * 1000, 2)


def search(cfg, dataloader, overrides):
    """A real search of ``cfg``: (the finished loop, its wall seconds)."""
    cfg = Config(cfg.to_dict())
    cfg.train_cfg.estimator.dataloader = dataloader
    if dataloader is None:  # the embedded images: CIFAR-100 preprocessing
        cfg.train_cfg.estimator.pop('data_preprocessor', None)
    cfg.train_cfg.update(overrides)
    cfg.distill_configs = {}
    with tempfile.TemporaryDirectory() as work_dir:
        cfg.work_dir = work_dir
        cfg.log_level = 'WARNING'
        runner = Runner.from_cfg(cfg)
        start = time.perf_counter()
        runner.train()
        return runner.train_loop, time.perf_counter() - start


def parts(loop, count):
    """Mean floor / score / check ms over ``count`` of the candidates the
    search scored (a random sample, interleaved), with the search's own
    model, estimator and constraint check, and mmrazor's check for
    reference."""
    # imported after diswot_mm's compatibility fixes
    from mmrazor.engine.runner.utils import check_subnet_resources
    model, estimator = loop.model, loop.estimator
    with DefaultScope.overwrite_default_scope('diswot_mm'):
        resources = loop.search_config['resource_estimator']
        reference = TASK_UTILS.build(
            dict(resources, type='mmrazor.ResourceEstimator',
                 input_shape=tuple(resources['input_shape'])))
    archs = sorted(loop.records)
    archs = random.Random(0).sample(archs, min(count, len(archs)))
    times = dict(floor=[], score=[], check=[], check_mmrazor=[])
    for arch in track(archs, desc='timing the parts'):
        choices = loop.choices_of(arch)
        start = time.perf_counter()
        loop.resource_estimator.check_subnet(model, choices, loop.constraints_range)
        times['check'].append(time.perf_counter() - start)
        start = time.perf_counter()
        check_subnet_resources(model, choices, reference,
                               loop.constraints_range)
        times['check_mmrazor'].append(time.perf_counter() - start)
        model.mutator.set_choices(choices)
        start = time.perf_counter()
        with torch.no_grad(), batch_statistics(model):
            for _ in range(estimator.repeats):
                model.architecture(estimator.inputs, mode='tensor')
        times['floor'].append(time.perf_counter() - start)
        start = time.perf_counter()
        estimator.score(model, key=arch)
        times['score'].append(time.perf_counter() - start)
    return {f'{k}_ms': mean_ms(v) for k, v in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--candidates', type=int, default=40)
    parser.add_argument('--spaces', nargs='+', default=list(SPACES))
    parser.add_argument('--out', default='work_dirs/search_throughput.json')
    args = parser.parse_args()
    results = {}
    for space in args.spaces:
        config, dataloader, overrides = SPACES[space]
        loop, seconds = search(Config.fromfile(config), dataloader,
                               overrides)
        row = parts(loop, args.candidates)
        estimator = loop.estimator
        row.update(loop_ms=round(seconds / len(loop.records) * 1000, 2),
                   loop_candidates=len(loop.records),
                   repeats=estimator.repeats,
                   batch=int(estimator.inputs.shape[0]),
                   resolution=int(estimator.inputs.shape[-1]))
        for key in ('score', 'check', 'loop'):
            row[f'{key}_over_floor'] = round(
                row[f'{key}_ms'] / row['floor_ms'], 3)
        results[space] = row
        print(space, row, flush=True)
    results['machine'] = dict(machine=platform.machine(),
                              threads=torch.get_num_threads(),
                              torch=torch.__version__)
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(results, f, indent=1)
    print(f'Saved {args.out}')


if __name__ == '__main__':
    main()
