"""AZ-NAS: four training-free terms of a network's block features,
aggregated by their ranks in a population (Lee and Ham, "AZ-NAS:
Assembling Zero-Cost Proxies for Network Architecture Search", CVPR 2024;
as the authors' ``compute_az_nas_score.py``)."""
import math
from typing import Dict, List, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from diswot_mm.registry import TASK_UTILS
from .active_path_resource_estimator import ActivePathResourceEstimator
from .base_training_free import BaseTrainingFreeEstimator
from .batch_norm import batch_statistics
from .ensemble_estimator import combine_scores
from .initialization import derive_seed
from .introspection import forward_hooks, get_architecture
from .zero_cost_proxies import logits_of

#: The AZ-NAS terms (higher is better), aggregated by :meth:`combine`.
AZ_TERMS = ('expressivity', 'progressivity', 'trainability', 'complexity')
#: Class names of the blocks whose outputs are the features (the stem's
#: output, the first block's input, comes first): NAS-Bench-201 cells and
#: reductions, (CIFAR) ResNet blocks, MobileNet / ShuffleNet units and
#: mmrazor's searchable blocks.
BLOCK_TYPES = ('Cell', 'ResidualReduction', 'BasicBlock', 'Bottleneck',
               'InvertedResidual', 'ShuffleUnit', 'ShuffleBlock',
               'ShuffleXception', 'MBBlock')


def feature_entropy(feat: torch.Tensor) -> torch.Tensor:
    """Expressivity of a feature map (B, C, H, W): the entropy
    -sum_i p_i log(p_i + 1e-8) of the normalised eigenvalues
    p = s / sum(s) of the C x C covariance of its B H W position vectors
    (centred, divided by B H W). In float64: NAS-Bench-201's cell outputs
    grow by orders of magnitude over the cells, and float32 cancels their
    small eigenvalues to negative ones (log of a negative: NaN). A 0-dim
    tensor."""
    x = feat.permute(0, 2, 3, 1).reshape(-1, feat.shape[1]).double()
    x = x - x.mean(0, keepdim=True)
    s = torch.linalg.eigvalsh(x.t() @ x / x.shape[0])
    p = s / s.sum()
    return (-p * torch.log(p + 1e-8)).sum()


def block_trainability(g_in: torch.Tensor,
                       g_out: torch.Tensor) -> torch.Tensor:
    """Trainability term of one block from a random cotangent g_out
    (B, Co, Ho, Wo) and its vector-Jacobian product g_in (B, Ci, Hi, Wi):
    with g_in pixel-unshuffled to the output resolution, M = G_in^T G_out /
    (B Ho Wo) (Ci' x Co, rows of G the positions) and sigma its largest
    singular value, -sigma - 1 / (sigma + 1e-6) + 2 (0 at sigma = 1, an
    isometry); -inf when g_in equals g_out (an identity block)."""
    if g_in.shape == g_out.shape and torch.equal(g_in, g_out):
        return g_in.new_tensor(-math.inf)
    if g_in.shape[2:] != g_out.shape[2:]:
        g_in = F.pixel_unshuffle(g_in, g_in.shape[2] // g_out.shape[2])
    b, co, ho, wo = g_out.shape
    g_out = g_out.permute(0, 2, 3, 1).reshape(-1, co)
    g_in = g_in.permute(0, 2, 3, 1).reshape(-1, g_in.shape[1])
    sigma = torch.linalg.svdvals(g_in.t() @ g_out / (b * ho * wo)).max()
    return -sigma - 1 / (sigma + 1e-6) + 2


@TASK_UTILS.register_module()
class AZNASEstimator(BaseTrainingFreeEstimator):
    """AZ-NAS. With F_0 the stem's output and F_1..F_L the outputs of the
    network's blocks (``block_types``) on the minibatch:

    - expressivity = sum_l :func:`feature_entropy` (F_l), l = 0..L;
    - progressivity = min_l (entropy(F_l) - entropy(F_{l-1}));
    - trainability = mean_l :func:`block_trainability` of a Rademacher
      cotangent of F_l and its product with dF_l / dF_{l-1};
    - complexity = the candidate's FLOPs (M, at the minibatch's size).

    The AZ-NAS score is population-relative: ``combine`` adds up
    log(rank / N) of the four terms over the N candidates compared
    (:func:`combine_scores`, ``mode='log_rank'``; rank N = the best);
    ``score`` alone gives ``az_nas`` = 0, a placeholder. NaN terms become
    -inf.

    Args:
        block_types (Sequence[str]): Class names of the blocks. Defaults to
            :data:`BLOCK_TYPES`.
        init (str): Defaults to ``'kaiming_fan_in'``, the authors'.
        noise_inputs (bool): Score on a seeded N(0, 1) batch of the
            minibatch's shape (B, C, H, W) instead of its images, as the
            authors' NAS-Bench-201 code does (``torch.randn(64, 3, 32,
            32)``: AZ-NAS is not among its real-input proxies); the same
            batch for every candidate. Defaults to False (the images).
        **kwargs: Those of :class:`BaseTrainingFreeEstimator`.

    Raises:
        ValueError: (at scoring) fewer than one block of ``block_types``
            runs in the candidate; the message names the types it has.
    """
    score_name = 'az_nas'
    population_relative = True

    def __init__(self,
                 block_types: Sequence[str] = BLOCK_TYPES,
                 init: str = 'kaiming_fan_in',
                 noise_inputs: bool = False,
                 **kwargs):
        super().__init__(init=init, **kwargs)
        self.block_types = tuple(block_types)
        if noise_inputs:
            generator = torch.Generator().manual_seed(
                derive_seed(self.seed, 'az_nas-inputs') % 2**63)
            self.inputs = torch.randn(
                self.inputs.shape, generator=generator).to(self.device)
            data = self._minibatch_info['dataset']
            self._minibatch_info.update(
                dataset=f"N(0, 1) noise (the shape of {data}'s images)",
                data_root=None,
                embedded_sample=False)
        self.counter = ActivePathResourceEstimator(
            input_shape=(1, ) + tuple(self.inputs.shape[1:]))

    def _features(self, model: nn.Module) -> List[torch.Tensor]:
        """F_0..F_L in the graph (the candidate has run once)."""
        arch = get_architecture(model)
        blocks = [
            m for m in arch.modules() if type(m).__name__ in self.block_types
        ]
        feats: List[torch.Tensor] = []

        def first_input(module, inputs):
            if not feats:
                feats.append(inputs[0])

        def output(module, inputs, out):
            feats.append(out)

        with forward_hooks(blocks, first_input, pre=True), \
                forward_hooks(blocks, output):
            logits_of(model, self.inputs)
        if len(feats) < 2:
            kinds = sorted({type(m).__name__ for m in arch.modules()})
            raise ValueError(
                f'AZNASEstimator found no block of block_types='
                f'{self.block_types} in the candidate; its modules are '
                f'{kinds}: name its blocks in block_types.')
        return feats

    def _score(self, model: nn.Module, key: str) -> Dict[str, float]:
        self.init_candidate(model, key)
        model.zero_grad()
        with torch.enable_grad(), batch_statistics(model):
            feats = self._features(model)
            entropies = torch.stack(
                [feature_entropy(f.detach()) for f in feats])
            generator = torch.Generator().manual_seed(
                derive_seed(self.seed, key, 'az_nas') % 2**63)
            terms = []
            for f_in, f_out in reversed(list(zip(feats[:-1], feats[1:]))):
                g_out = torch.randint(
                    0, 2, f_out.shape, generator=generator).to(
                        f_out.device, f_out.dtype) * 2 - 1
                g_in, = torch.autograd.grad(
                    f_out, f_in, g_out, retain_graph=True, allow_unused=True)
                if g_in is None:  # F_l does not depend on F_{l-1}
                    g_in = torch.zeros_like(f_in)
                terms.append(block_trainability(g_in, g_out))
        result = dict(
            expressivity=entropies.sum(),
            progressivity=(entropies[1:] - entropies[:-1]).min(),
            trainability=torch.stack(terms).mean(),
            complexity=self.counter.estimate_subnet(model)['flops'])
        result = {
            k: -math.inf if math.isnan(float(v)) else float(v)
            for k, v in result.items()
        }
        result[self.score_name] = self.combine([result])[0]
        return result

    def combine(self, results: Sequence[Dict[str, float]]) -> List[float]:
        """The mean over :data:`AZ_TERMS` of log(rank / N) among
        ``results`` (the authors' sum / 4: the same ranking)."""
        return combine_scores({t: [r[t] for r in results]
                               for t in AZ_TERMS},
                              dict.fromkeys(AZ_TERMS, 1.0), 'log_rank')
