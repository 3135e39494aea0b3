"""MeCo: the minimum eigenvalue of the channel correlation of each feature
map of one image (Jiang et al., "MeCo: Zero-Shot NAS with One Data and
Single Forward Pass via Minimum Eigenvalue of Correlation", NeurIPS 2023)."""
from typing import Dict

import torch
import torch.nn as nn
from mmrazor.models.mutables.base_mutable import BaseMutable

from diswot_mm.registry import TASK_UTILS
from .base_training_free import BaseTrainingFreeEstimator
from .batch_norm import batch_statistics
from .introspection import forward_hooks, get_architecture
from .zero_cost_proxies import logits_of


def min_correlation_eigenvalue(feat: torch.Tensor) -> torch.Tensor:
    """MeCo's term of one feature map of one image, shape (C, H, W): the
    smallest eigenvalue of the C x C Pearson correlation of its channels
    (each a vector of H W values), with NaN / inf entries (a constant
    channel) set to 0 as the authors' code does. Float64; a 0-dim tensor.
    """
    corr = torch.corrcoef(feat.reshape(feat.shape[0], -1).double())
    corr = torch.where(torch.isfinite(corr), corr, torch.zeros_like(corr))
    return torch.linalg.eigvalsh(corr).min()


@TASK_UTILS.register_module()
class MeCoEstimator(BaseTrainingFreeEstimator):
    """MeCo: sum over the modules of the network that output a feature map
    (N, C, H, W) of :func:`min_correlation_eigenvalue` of the first
    image's map, in one forward (BatchNorm on the minibatch's statistics;
    the other images enter only through it).

    As the authors' code, every module counts, containers included (a
    ``Sequential`` whose output is its last layer's counts that map again);
    mmrazor's mutable wrappers are not modules of the network and do not
    count. Modules with other outputs (vectors, tuples) add nothing.
    """
    score_name = 'meco'

    @torch.no_grad()
    def _score(self, model: nn.Module, key: str) -> Dict[str, float]:
        self.init_candidate(model, key)
        terms = []

        def record(module, inputs, output):
            if isinstance(output, torch.Tensor) and output.dim() == 4:
                terms.append(min_correlation_eigenvalue(output[0]))

        arch = get_architecture(model)
        modules = [m for m in arch.modules() if not isinstance(m, BaseMutable)]
        with batch_statistics(model), forward_hooks(modules, record):
            logits_of(model, self.inputs)
        return {self.score_name: torch.stack(terms).sum()}
