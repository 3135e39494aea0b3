"""Train or distil a model: ``python tools/train.py CONFIG``.

mmpretrain's tools/train.py for diswot_mm configs (teachers, students,
distillation): work_dir, --resume (auto or a checkpoint), --amp,
--cfg-options, launchers; the best top-1 checkpoint is kept by the
config's CheckpointHook (save_best). A search config (``train_cfg`` a
TrainingFreeSearchLoop) runs the search, as ``tools/search.py`` does.
"""
import argparse

from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

import diswot_mm  # noqa: F401  (compat fixes, registries)
from diswot_mm.apis.cli import (add_common_args, finish_distributed,
                                is_search_config, load_config, run_search,
                                run_tool)
from diswot_mm.datasets.handoff import check_searched_on
from diswot_mm.utils.checkpoint import read_model_state


def parse_args():
    parser = argparse.ArgumentParser(description='Train / distil a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        help='resume from a checkpoint; without a path, from the latest '
        'checkpoint in the work_dir')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--no-validate', action='store_true', help='skip validation')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by the actual total batch size')
    add_common_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args)
    if is_search_config(cfg):
        run_search(cfg, args.resume)
        finish_distributed()
        return
    check_searched_on(cfg, args.config)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        cfg.default_hooks.checkpoint.save_best = None
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    runner = Runner.from_cfg(cfg)
    if cfg.load_from:  # checked before mmengine loads it leniently
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        read_model_state(model, cfg.load_from,
                         '--resume' if cfg.resume else 'load_from')
    runner.train()
    finish_distributed()


if __name__ == '__main__':
    run_tool(main)
