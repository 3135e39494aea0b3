"""Measure a per-op latency lookup table (LUT) of a search config's space.

    python tools/analysis/measure_latency_lut.py CONFIG --device cpu \
        --out lut.json

Run it once on the target device; then search anywhere with
``train_cfg.resource_estimator.latency_lut='lut.json'`` and a
``constraints_range`` with ``latency`` (ms, batch 1). Each leaf op of the
space is timed alone (warm-up, median) on the estimator's input shape; then
``--num-samples`` random candidates are timed whole and compared with the
LUT's sums: the median relative error printed (and kept in the LUT) is how
far a LUT latency can be from the timed one.
"""
import argparse
import json
import os.path as osp

import torch
from mmengine.config import Config, DictAction

import diswot_mm  # noqa: F401  (compat fixes, registries)
from diswot_mm.analysis.latency_lut import build_latency_lut
from diswot_mm.registry import TASK_UTILS, build_in_scope


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'config',
        help='search config (model = supernet, '
        'train_cfg.resource_estimator)')
    parser.add_argument(
        '--device',
        default='cpu',
        help='target device, e.g. cpu or cuda:0 '
        '(default: cpu)')
    parser.add_argument(
        '--out', required=True, help='LUT file to write '
        '(JSON)')
    parser.add_argument(
        '--overwrite', action='store_true', help='replace --out if it exists')
    parser.add_argument(
        '--num-samples',
        type=int,
        default=20,
        help='random candidates timed whole to report the '
        "LUT's error (default: 20)")
    parser.add_argument(
        '--num-warmup',
        type=int,
        default=5,
        help='untimed runs before timing (default: 5)')
    parser.add_argument(
        '--num-runs',
        type=int,
        default=20,
        help='timed runs; the median is kept (default: 20)')
    parser.add_argument(
        '--timer',
        choices=['perf_counter', 'thread_time'],
        default='perf_counter',
        help='clock: wall time (default), or this thread\'s '
        'CPU time (with OMP_NUM_THREADS=1 on a CPU that '
        'other processes load)')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='seed of the sampled candidates (default: 0)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    return parser.parse_args()


def main():
    args = parse_args()
    if not osp.isfile(args.config):
        raise SystemExit(f'config {args.config!r} does not exist.')
    if osp.exists(args.out) and not args.overwrite:
        raise SystemExit(f'--out {args.out} exists: give another path, or '
                         '--overwrite to replace it.')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    est_cfg = cfg.get('train_cfg', {}).get('resource_estimator')
    if est_cfg is None:
        raise SystemExit(f'{args.config} has no train_cfg.'
                         'resource_estimator: the LUT needs its input_shape '
                         '(start from configs/diswot_cifar100.py).')
    est_cfg = dict(
        est_cfg,
        latency_cfg=dict(
            num_warmup=args.num_warmup,
            num_runs=args.num_runs,
            timer=args.timer))
    est_cfg.pop('latency_lut', None)  # this tool times; it does not sum
    device = torch.device(args.device)
    supernet = build_in_scope(cfg.model).to(device)
    estimator = build_in_scope(est_cfg, TASK_UTILS)
    lut = build_latency_lut(
        supernet, estimator, args.num_samples, args.seed, config=args.config)
    with open(args.out, 'w') as f:
        json.dump(lut, f, indent=1)
    error = lut['error']
    print(f'{"candidate":<40} {"timed ms":>9} {"LUT ms":>9}')
    for c in error['candidates']:
        print(f'{c["arch"][:40]:<40} {c["measured"]:9.3f} '
              f'{c["summed"]:9.3f}')
    print(f'{args.out}: {len(lut["ops"])} ops timed on '
          f'{lut["device_name"]} ({lut["threads"]} threads), input '
          f'{lut["input_shape"]}. LUT sum vs timed latency over '
          f'{len(error["candidates"])} candidates: median relative error '
          f'{error["median_relative"]:.1%}, max '
          f'{error["max_relative"]:.1%}, median sum/timed - 1 '
          f'{error["median_signed"]:+.1%}.')


if __name__ == '__main__':
    main()
