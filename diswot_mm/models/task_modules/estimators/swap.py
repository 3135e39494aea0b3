"""SWAP: the number of distinct sample-wise activation patterns (Peng et
al., "SWAP-NAS: Sample-Wise Activation Patterns for Ultra-Fast NAS", ICLR
2024)."""
import math
from typing import Dict, Optional

import torch
import torch.nn as nn

from diswot_mm.registry import TASK_UTILS
from .active_path_resource_estimator import ActivePathResourceEstimator
from .base_training_free import BaseTrainingFreeEstimator
from .zero_cost_proxies import relu_codes


def distinct_patterns(codes: torch.Tensor) -> int:
    """The number of distinct rows of a binary matrix (units, B): units
    whose on/off pattern over the B samples differ. Patterns are packed
    63 samples to an int64 first (a permutation-free bijection), so the
    count is exact for any B."""
    codes = codes.to(torch.int64)
    weights = 2**torch.arange(63, dtype=torch.int64, device=codes.device)
    packed = [(chunk * weights[:chunk.shape[1]]).sum(1)
              for chunk in codes.split(63, dim=1)]
    if len(packed) == 1:  # B <= 63: one code a unit
        return len(torch.unique(packed[0]))
    return len(torch.unique(torch.stack(packed, 1), dim=0))


@TASK_UTILS.register_module()
class SWAPEstimator(BaseTrainingFreeEstimator):
    """SWAP score: :func:`distinct_patterns` of the sign of every ReLU's
    output on a feature map (N, C, H, W), all such ReLUs' units together
    (each unit a row of its N on/off values), as the authors' code
    (``SampleWiseActivationPatterns``).

    With ``mu`` and ``sigma`` it is SWAP's size-regularised score: times
    exp(-(P - mu)^2 / sigma), P the candidate's parameters in thousands
    (the authors' unit; counted as :class:`ParamsEstimator` does). The
    paper sets mu and sigma per space; our configs centre mu on the
    search's params budget, a priori.

    Args:
        mu (float, optional): Centre of the regulariser, K params.
        sigma (float, optional): Its width, K params (> 0).
        **kwargs: Those of :class:`BaseTrainingFreeEstimator`.
    """
    score_name = 'swap'

    def __init__(self,
                 mu: Optional[float] = None,
                 sigma: Optional[float] = None,
                 **kwargs):
        super().__init__(**kwargs)
        if (mu is None) != (sigma is None) or (sigma is not None
                                               and sigma <= 0):
            raise ValueError('SWAPEstimator regularises with both mu and '
                             f'sigma > 0 (K params) or neither; got mu={mu}, '
                             f'sigma={sigma}.')
        self.mu, self.sigma = mu, sigma
        self.counter = ActivePathResourceEstimator(
            input_shape=(1, ) + tuple(self.inputs.shape[1:]))

    @torch.no_grad()
    def _score(self, model: nn.Module, key: str) -> Dict[str, float]:
        self.init_candidate(model, key)
        codes = relu_codes(model, self.inputs, maps_only=True)
        patterns = distinct_patterns(codes.t())
        result = {'patterns': float(patterns), self.score_name: patterns}
        if self.mu is not None:
            params = self.counter.estimate_subnet(model)['params'] * 1e3
            result[self.score_name] = patterns * math.exp(
                -(params - self.mu)**2 / self.sigma)
        return result
