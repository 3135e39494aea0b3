"""What tools/search.py, train.py and test.py share: common arguments, the
config set-up of mmpretrain's tools, and running a search config."""
import argparse
import os
import os.path as osp
import sys
from typing import Callable, Optional

import torch
from mmengine.config import Config, DictAction

from diswot_mm import compat
from diswot_mm.models.builder import resolve_model_paths

#: What the tools raise for an input the user can fix (a path, a key, a
#: value, a space that fits no candidate): printed as one line.
USER_ERRORS = (FileNotFoundError, KeyError, TypeError, ValueError,
               RuntimeError)


def run_tool(main: Callable[[], None]) -> None:
    """Run a tool's ``main``; one of :data:`USER_ERRORS` ends it with its
    message as one line on stderr and exit status 1 instead of a traceback
    (``DISWOT_MM_TRACEBACK=1`` shows the traceback, for a bug report)."""
    try:
        main()
    except USER_ERRORS as err:
        if os.environ.get('DISWOT_MM_TRACEBACK'):
            raise
        message = err.args[0] if isinstance(err, KeyError) and len(
            err.args) == 1 else err  # a KeyError's str() adds quotes
        print(f'{type(err).__name__}: {message}', file=sys.stderr)
        sys.exit(1)


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
    without CUDA, the gloo backend. Applies the tools' compat fixes
    (:data:`~diswot_mm.compat.TOOL_FIXES`)."""
    compat.apply(compat.TOOL_FIXES)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config {args.config!r} does not exist.')
    cfg = Config.fromfile(args.config)
    renamed = [k for k in ('search_cfg', 'sample_dataloader') if k in cfg]
    if renamed:
        raise KeyError(
            f'{args.config} sets {renamed}, the settings of an older '
            'diswot_mm: the search now runs as an mmengine loop from '
            'train_cfg, as mmrazor\'s search loops do. Rename search_cfg to '
            'train_cfg (and {{_base_.search_cfg...}} to '
            '{{_base_.train_cfg...}}), inherit '
            'configs/_base_/schedules/training_free_search.py when the config '
            'does not inherit a diswot_mm search config, and replace '
            'sample_dataloader by train_cfg.sample_fallback=dict('
            'data_root=<the root it stands in for>, dataloader=<it>).')
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    resolve_model_paths(cfg, osp.dirname(args.config))
    cfg.launcher = args.launcher
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        './work_dirs',
        osp.splitext(osp.basename(args.config))[0])
    if not torch.cuda.is_available():
        cfg.setdefault('env_cfg', {})['dist_cfg'] = dict(backend='gloo')
    return cfg


#: What a search never uses but a config may inherit from data set /
#: schedule bases (the estimator has its own minibatch).
EVALUATION_KEYS = ('param_scheduler', 'val_dataloader', 'val_cfg',
                   'val_evaluator', 'test_dataloader', 'test_cfg',
                   'test_evaluator')


def is_search_config(cfg: Config) -> bool:
    """Whether ``cfg.train_cfg`` is a training-free search loop."""
    from diswot_mm.engine import TrainingFreeSearchLoop
    from diswot_mm.registry import LOOPS, get_in_scope
    loop_type = (cfg.get('train_cfg') or {}).get('type')
    if not isinstance(loop_type, str):
        return False
    loop = get_in_scope(loop_type, LOOPS)
    return isinstance(loop, type) and issubclass(loop, TrainingFreeSearchLoop)


def _search_runner(cfg: Config):
    """The Runner of a search config, after checking its work_dir (before
    the Runner writes its copy of the config there)."""
    from mmengine.runner import Runner

    from diswot_mm.registry import LOOPS, MODELS, get_in_scope
    get_in_scope(cfg.train_cfg.type, LOOPS).check_work_dir_of(cfg)
    try:
        return Runner.from_cfg(cfg)
    except KeyError as err:
        if 'registry' not in str(err):
            raise
        spaces = sorted(
            name for name, cls in MODELS.module_dict.items()
            if cls.__module__.startswith('diswot_mm.models.search_spaces'))
        raise KeyError(f'{err}. Search spaces registered in diswot_mm: '
                       f'{spaces}.') from err


def run_search(cfg: Config, resume: Optional[str] = None) -> dict:
    """Run a search config with mmengine's Runner (``runner.train()``, as
    mmrazor's search configs are run); the report's log names the chosen
    student and its outputs, then this prints the distillation commands.

    Args:
        cfg (Config): A config whose ``train_cfg`` is a
            TrainingFreeSearchLoop.
        resume (str, optional): A ``search_epoch_N.json``, ``'auto'`` (the
            newest valid one of the work_dir) or None (a fresh search).

    Returns:
        dict: The chosen candidate's record.
    """
    from diswot_mm.datasets import dataset_cache
    for key in EVALUATION_KEYS:
        cfg[key] = None
    cfg.train_cfg.resume_from = resume
    with dataset_cache():  # built once for the check and the search
        runner = _search_runner(cfg)
        try:
            runner.train()
        except KeyboardInterrupt:
            if runner.rank == 0:
                state = getattr(runner.train_loop, 'last_state', None)
                print(
                    '\nInterrupted. ' +
                    (f'The search state is {state}; continue with: python '
                     f'tools/search.py {cfg.filename} --work-dir '
                     f'{cfg.work_dir} --resume' if state else
                     'No generation had finished: nothing to resume; run '
                     'the command again.'),
                    file=sys.stderr)
            sys.exit(130)
    best = runner.train_loop.best
    if runner.rank == 0:
        # the chosen student and the outputs are in the report's log lines
        # (SearchReportHook); here what to run next
        print()
        for name in cfg.get('distill_configs', {}):
            path = osp.join(cfg.work_dir, f'distill_{name}.py')
            written = Config.fromfile(path)
            carried = written.model.get('teacher_ckpt')
            print(f'Distil it: bash tools/dist_train.sh {path} N' +
                  ('' if carried else
                   ' --cfg-options model.teacher_ckpt=TEACHER.pth') +
                  ('  (after setting its train/val/test_dataloader to your '
                   'data: it inherits other data)' if written.get('searched_on'
                                                                  ) else ''))
    return best


def finish_distributed() -> None:
    """Leave a distributed run cleanly: wait for every rank, destroy the
    process group, flush the logs and streams, and end the process with
    ``os._exit(0)``.

    A rank that returns normally runs the interpreter's teardown, where the
    C++ destructors of objects still holding the gloo process group (the
    DDP reducer) and of gloo's threads run in no set order; now and then
    that aborted a rank whose work was done ("terminate called without an
    active exception", SIGABRT, a non-zero exit after a run that worked).
    Past the barrier every rank has finished and written everything, so
    nothing is lost by skipping the teardown. Single-process runs return
    normally.
    """
    import logging

    import torch.distributed as dist
    if not (dist.is_available() and dist.is_initialized()):
        return
    dist.barrier()
    dist.destroy_process_group()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
