"""What tools/search.py, train.py and test.py share: common arguments and
the config set-up of mmpretrain's tools."""
import argparse
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction

from diswot_mm.models.builder import resolve_model_paths


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local-rank``."""
    parser.add_argument('--work-dir', help='where logs and outputs go')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (e.g. '
        'model.teacher_ckpt=work_dirs/t/best.pth train_cfg.max_epochs=5)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args: argparse.Namespace) -> Config:
    """Load ``args.config``, merge ``--cfg-options``, resolve model config
    paths given relative to the config file
    (:func:`~diswot_mm.models.builder.resolve_model_paths`), set the
    launcher, the work_dir (CLI > config > ./work_dirs/<config name>) and,
    without CUDA, the gloo backend."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config {args.config!r} does not exist.')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    resolve_model_paths(cfg, osp.dirname(args.config))
    cfg.launcher = args.launcher
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        './work_dirs', osp.splitext(osp.basename(args.config))[0])
    if not torch.cuda.is_available():
        cfg.setdefault('env_cfg', {})['dist_cfg'] = dict(backend='gloo')
    return cfg


#: What a search never uses but a config may inherit from data set /
#: schedule bases (the estimator has its own minibatch).
TRAINING_KEYS = ('train_dataloader', 'train_cfg', 'optim_wrapper',
                 'param_scheduler', 'val_dataloader', 'val_cfg',
                 'val_evaluator', 'test_dataloader', 'test_cfg',
                 'test_evaluator')


def drop_training_keys(cfg: Config) -> None:
    """Set :data:`TRAINING_KEYS` to None, so that a Runner built for a
    training-free search trains, validates and tests nothing."""
    for key in TRAINING_KEYS:
        cfg[key] = None


def finish_distributed() -> None:
    """Leave a distributed run cleanly: wait for every rank, then destroy
    the process group, so no rank exits while another still talks to it
    (an exit with gloo's threads alive can abort a rank)."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
