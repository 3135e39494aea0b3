"""Training-free student search: ``python tools/search.py CONFIG``.

Shaped like mmpretrain's tools/train.py: the config's ``model`` is the
supernet (an mmrazor algorithm), ``search_cfg`` the search loop.
"""
import argparse
import copy
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

import diswot_mm  # noqa: F401  (compat fixes, registries)
from diswot_mm.engine import find_search_ckpts
from diswot_mm.registry import DATASETS, LOOPS, MODELS


def parse_args():
    parser = argparse.ArgumentParser(
        description='DisWOT training-free student architecture search')
    parser.add_argument('config', help='search config file path')
    parser.add_argument('--work-dir', help='where outputs are written')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        help='resume from a search_epoch_N.pkl; without a path, from the '
        'latest one in the work_dir')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. search_cfg.max_epochs=5')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def search_data_on_disk(dataloader: dict) -> bool:
    """Whether the dataset of ``dataloader`` can be built (it is on disk)."""
    try:
        with DefaultScope.overwrite_default_scope('diswot_mm'):
            DATASETS.build(copy.deepcopy(dataloader['dataset']))
    except FileNotFoundError:
        return False
    return True


def list_search_spaces() -> list:
    return sorted(name for name, cls in MODELS.module_dict.items()
                  if cls.__module__.startswith(
                      'diswot_mm.models.search_spaces'))


def main():
    args = parse_args()
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config {args.config!r} does not exist.')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if 'search_cfg' not in cfg:
        raise KeyError(f'{args.config} has no search_cfg: start from '
                       'configs/diswot_cifar100.py.')
    cfg.launcher = args.launcher
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        './work_dirs', osp.splitext(osp.basename(args.config))[0])
    if not torch.cuda.is_available():
        cfg.env_cfg.dist_cfg = dict(backend='gloo')

    try:
        runner = Runner.from_cfg(cfg)
    except KeyError as err:
        if 'registry' not in str(err):
            raise
        raise KeyError(f'{err}. Search spaces registered in diswot_mm: '
                       f'{list_search_spaces()}.') from err

    estimator = cfg.search_cfg.estimator
    loader = estimator.get('dataloader')
    if loader is not None and not search_data_on_disk(loader):
        runner.logger.warning(
            f'{loader["dataset"].get("data_root", loader["dataset"])} is '
            'not on disk: scoring on the 20 CIFAR-100 test images embedded '
            'in diswot_mm instead (sample_dataloader of the config). Put the '
            'data set there for a real minibatch.')
        estimator.dataloader = cfg.get('sample_dataloader')

    if args.resume:
        resume = args.resume
        if resume == 'auto':
            found = find_search_ckpts(cfg.work_dir)
            resume = found[-1] if found else None
            if resume is None:
                runner.logger.info('--resume: no search_epoch_N.pkl in '
                                   f'{cfg.work_dir}; starting afresh.')
        cfg.search_cfg.resume_from = resume

    loop = LOOPS.build(cfg.search_cfg, default_args=dict(runner=runner))
    best = loop.run()
    if runner.rank == 0:
        print(f'\nChosen student: {best["arch"]}  ({loop.score_key}='
              f'{best["score"]:.6g}, params={best["params"]:.4f} M, '
              f'flops={best["flops"]:.2f} M)\nOutputs in {cfg.work_dir}: '
              'best_fix_subnet.yaml, student.py, candidates.csv, '
              'candidates.json, score_vs_flops.png')


if __name__ == '__main__':
    main()
