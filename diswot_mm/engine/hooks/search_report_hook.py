"""Writes a finished training-free search's outputs for the user."""
from mmengine.dist import master_only
from mmengine.hooks import Hook

from diswot_mm.datasets import describe_minibatches
from diswot_mm.registry import HOOKS
from ..runner.search_loop import TrainingFreeSearchLoop
from .search_report import write_search_report


@HOOKS.register_module()
class SearchReportHook(Hook):
    """After a :class:`TrainingFreeSearchLoop` (rank 0): ``best_fix_subnet.
    yaml``, ``candidates.csv`` / ``.json``, ``score_vs_flops.png``,
    ``student.py`` and ``distill_<name>.py`` in the work_dir (see
    :func:`write_search_report`), and the log's last word on what the
    scores were computed on.

    Other loops are left alone, so the hook may sit in a shared runtime.
    """
    priority = 'LOW'

    @master_only
    def after_train(self, runner) -> None:
        loop = runner.train_loop
        if not isinstance(loop, TrainingFreeSearchLoop) or loop.best is None:
            return
        write_search_report(loop, loop.best)
        runner.logger.info('Scores computed on: ' +
                           describe_minibatches(loop.minibatch))
