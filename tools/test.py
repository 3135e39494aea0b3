"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT``.

Prints the config's test metrics (top-1 / top-5 for classifiers and
distillation configs, where the student is evaluated) and writes them to
the work_dir. The checkpoint is read by the checked reader
(:mod:`diswot_mm.utils.checkpoint`): it must fit the configured model key by
key (a distillation checkpoint given with a student config: its student);
anything else is an error, never an evaluation of random weights.
"""
import argparse
import json
import os.path as osp

from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

import diswot_mm  # noqa: F401  (compat fixes, registries)
from diswot_mm.apis.cli import (add_common_args, finish_distributed,
                                load_config, run_tool)
from diswot_mm.utils.checkpoint import read_model_state


def parse_args():
    parser = argparse.ArgumentParser(description='Test a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    add_common_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args)
    # weights come from the checked reader below, not mmengine's lenient
    # load_from (which warns about missing keys and tests random weights)
    cfg.load_from = None
    missing = [
        k for k in ('test_dataloader', 'test_evaluator', 'test_cfg')
        if cfg.get(k) is None
    ]
    if missing:
        raise SystemExit(
            f'{args.config} has no {", ".join(missing)}: it describes a model '
            'only. Test with a config that has its data (e.g. the search\'s '
            'work_dir/distill_*.py, which tests its student, or one that '
            'inherits your data config through _base_).')
    if cfg.model.get('type') == 'StrictSingleTeacherDistill':
        # the tested checkpoint holds the teacher too: no teacher_ckpt needed
        cfg.model.teacher_ckpt = None
        cfg.model.require_teacher_ckpt = False
    runner = Runner.from_cfg(cfg)
    model = runner.model.module if is_model_wrapper(
        runner.model) else runner.model
    model.load_state_dict(
        read_model_state(model, args.checkpoint, 'checkpoint', runner.logger))
    metrics = runner.test()
    if runner.rank == 0:
        path = osp.join(cfg.work_dir, 'test_metrics.json')
        with open(path, 'w') as f:
            json.dump(metrics, f, indent=1)
        print(', '.join(f'{k}: {v:.2f}'
                        for k, v in metrics.items()) + f'  (saved to {path})')
    finish_distributed()


if __name__ == '__main__':
    run_tool(main)
