"""Training-free student search: ``python tools/search.py CONFIG``.

Shaped like mmpretrain's tools/train.py: the config's ``model`` is the
supernet (an mmrazor algorithm), ``search_cfg`` the search loop.
"""
import argparse
import glob
import os.path as osp

from mmengine.runner import Runner

import diswot_mm  # noqa: F401  (compat fixes, registries)
from diswot_mm.datasets import fall_back_to_samples
from diswot_mm.registry import LOOPS, MODELS
from diswot_mm.utils.cli import (
    add_common_args,
    drop_training_keys,
    finish_distributed,
    load_config,
)


def parse_args():
    parser = argparse.ArgumentParser(
        description='DisWOT training-free student architecture search')
    parser.add_argument('config', help='search config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        help='resume from a search_epoch_N.json; without a path, from the '
        'newest valid one in the work_dir')
    add_common_args(parser)
    return parser.parse_args()


def list_search_spaces() -> list:
    return sorted(name for name, cls in MODELS.module_dict.items()
                  if cls.__module__.startswith(
                      'diswot_mm.models.search_spaces'))


def main():
    args = parse_args()
    cfg = load_config(args)
    if 'search_cfg' not in cfg:
        raise KeyError(f'{args.config} has no search_cfg: start from '
                       'configs/diswot_cifar100.py.')
    drop_training_keys(cfg)

    try:
        runner = Runner.from_cfg(cfg)
    except KeyError as err:
        if 'registry' not in str(err):
            raise
        raise KeyError(f'{err}. Search spaces registered in diswot_mm: '
                       f'{list_search_spaces()}.') from err

    fall_back_to_samples(cfg.search_cfg.estimator,
                         cfg.get('sample_dataloader'), runner.logger)

    cfg.search_cfg.resume_from = args.resume  # a path, 'auto' or None

    loop = LOOPS.build(cfg.search_cfg, default_args=dict(runner=runner))
    best = loop.run()
    if runner.rank == 0:
        print(f'\nChosen student: {best["arch"]}  ({loop.score_key}='
              f'{best["score"]:.6g}, params={best["params"]:.4f} M, '
              f'flops={best["flops"]:.2f} M' +
              (f', latency={best["latency"]:.3f} ms' if 'latency' in best
               else '') + f')\nOutputs in {cfg.work_dir}: '
              'best_fix_subnet.yaml, student.py, candidates.csv, '
              'candidates.json, score_vs_flops.png')
        for path in sorted(glob.glob(osp.join(cfg.work_dir,
                                              'distill_*.py'))):
            print(f'Distil it: bash tools/dist_train.sh {path} N '
                  '--cfg-options model.teacher_ckpt=TEACHER.pth')
    finish_distributed()


if __name__ == '__main__':
    main()
