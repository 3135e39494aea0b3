"""BatchNorm on batch statistics while a candidate is scored."""
import contextlib
from typing import Iterator

import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from .introspection import active_modules


@contextlib.contextmanager
def batch_statistics(model: nn.Module) -> Iterator[None]:
    """Run BatchNorm on batch statistics without updating running ones.

    Inside, every BatchNorm that can run (:func:`active_modules`) is in
    training mode with ``track_running_stats`` off and its running buffers
    detached (None, as torch's BatchNorm passes them in that mode; mmrazor's
    dynamic BatchNorm of the channel supernets would pass them whole), so
    it normalises by the batch and leaves its buffers untouched; all is
    restored on exit.
    """
    norms = [m for m in active_modules(model) if isinstance(m, _BatchNorm)]
    saved = [(m.training, m.track_running_stats, m.running_mean, m.running_var)
             for m in norms]
    for m in norms:
        m.train()
        m.track_running_stats = False
        m.running_mean = m.running_var = None
    try:
        yield
    finally:
        for m, (training, track, mean, var) in zip(norms, saved):
            m.train(training)
            m.track_running_stats = track
            m.running_mean, m.running_var = mean, var
