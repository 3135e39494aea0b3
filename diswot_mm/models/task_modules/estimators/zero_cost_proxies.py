"""Zero-cost proxies that users compare DisWOT with, behind the same
``score(model, key)`` interface (higher is better for every ``score_name``).

Each follows its paper's published definition, as collected by Abdelfattah
et al., "Zero-Cost Proxies for Lightweight NAS" (ICLR 2021), unless noted.
"""
import copy
import math
from typing import Dict, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmrazor.models.task_modules.estimators.base_estimator import BaseEstimator
from torch.nn.modules.batchnorm import _BatchNorm

from diswot_mm.registry import TASK_UTILS
from .active_path_resource_estimator import ActivePathResourceEstimator
from .base_training_free import (BaseTrainingFreeEstimator,
                                 TrainingFreeEstimator)
from .batch_norm import batch_statistics
from .initialization import derive_seed
from .introspection import active_modules, forward_hooks, get_architecture

WEIGHTED = (nn.Conv2d, nn.Linear)


def logits_of(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    return get_architecture(model)(inputs, mode='tensor')


class _ResourceProxy(BaseEstimator, TrainingFreeEstimator):
    """#params or FLOPs (M) of the active network, as mmrazor's
    ResourceEstimator counts them: no init, no data, only an input shape.

    Args:
        input_shape (Sequence[int]): ``(1, C, H, W)`` the FLOPs are counted
            at (the parameters do not depend on it). Defaults to
            ``(1, 3, 32, 32)``, CIFAR's.
        seed (int): Unused: the counts are deterministic. Accepted because
            the rank tool and an ensemble give every estimator its seed.
    """
    resource = ''

    def __init__(self,
                 input_shape: Sequence[int] = (1, 3, 32, 32),
                 seed: int = 0):
        if len(input_shape) != 4 or input_shape[0] != 1:
            raise ValueError('input_shape must be (1, C, H, W), but got '
                             f'{tuple(input_shape)}.')
        super().__init__(input_shape=tuple(input_shape))
        self.counter = ActivePathResourceEstimator(
            input_shape=self.input_shape)

    @property
    def minibatch_info(self) -> Dict[str, dict]:
        return {}  # scores on no images

    def score(self,
              model: nn.Module,
              key: Optional[str] = None) -> Dict[str, float]:
        """The resource of ``model``'s active subnet (``key`` unused)."""
        resources = self.counter.estimate_subnet(model)
        return {self.score_name: float(resources[self.resource])}

    def estimate(self, model: nn.Module, *args, **kwargs) -> Dict[str, float]:
        """mmrazor's estimator interface: the same as :meth:`score`."""
        return self.score(model)


@TASK_UTILS.register_module()
class ParamsEstimator(_ResourceProxy):
    """Number of parameters (M) of the candidate: the strong baseline."""
    score_name = resource = 'params'


@TASK_UTILS.register_module()
class FlopsEstimator(_ResourceProxy):
    """FLOPs (M) of the candidate at the minibatch's resolution."""
    score_name = resource = 'flops'


class _GradientProxy(BaseTrainingFreeEstimator):
    """Proxies from the gradient of the cross-entropy on the minibatch."""

    def _backward(self, model: nn.Module, key: str) -> None:
        self.init_candidate(model, key)
        model.zero_grad()
        with torch.enable_grad(), batch_statistics(model):
            loss = F.cross_entropy(logits_of(model, self.inputs), self.labels)
            loss.backward()

    @staticmethod
    def _weights(model: nn.Module):
        for m in get_architecture(model).modules():
            if isinstance(m, WEIGHTED) and m.weight.grad is not None:
                yield m.weight


@TASK_UTILS.register_module()
class GradNormEstimator(_GradientProxy):
    """grad_norm: sum over conv/linear layers of the L2 norm of dL/dW
    (Abdelfattah et al., ICLR 2021)."""
    score_name = 'grad_norm'

    def _score(self, model: nn.Module, key: str) -> Dict[str, float]:
        self._backward(model, key)
        value = sum(w.grad.norm() for w in self._weights(model))
        model.zero_grad()
        return {self.score_name: value}


@TASK_UTILS.register_module()
class SNIPEstimator(_GradientProxy):
    """SNIP saliency summed: sum |W * dL/dW| over conv/linear weights
    (Lee et al., "SNIP", ICLR 2019; zero-cost form of Abdelfattah et al.)."""
    score_name = 'snip'

    def _score(self, model: nn.Module, key: str) -> Dict[str, float]:
        self._backward(model, key)
        value = sum((w * w.grad).abs().sum() for w in self._weights(model))
        model.zero_grad()
        return {self.score_name: value}


@TASK_UTILS.register_module()
class SynFlowEstimator(BaseTrainingFreeEstimator):
    """SynFlow: with all weights replaced by their absolute values, BatchNorm
    neutral (the zero-cost code builds the net without BN) and an all-ones
    input in float64, R = sum of the outputs; score = sum over conv/linear
    weights of W * dR/dW (Tanaka et al., NeurIPS 2020). Data-free and
    positive. Runs on a copy: the candidate keeps its dtype and weights.
    """
    score_name = 'synflow'

    def _score(self, model: nn.Module, key: str) -> Dict[str, float]:
        self.init_candidate(model, key)
        net = copy.deepcopy(get_architecture(model)).double()
        for m in net.modules():
            if isinstance(m, _BatchNorm):
                m.eval()
                m.reset_running_stats()
        with torch.no_grad():
            for p in net.parameters():
                p.abs_()
        ones = torch.ones(
            (1, ) + tuple(self.inputs.shape[1:]),
            dtype=torch.float64,
            device=self.device)
        with torch.enable_grad():
            net(ones, mode='tensor').sum().backward()
        value = sum((m.weight * m.weight.grad).sum() for m in net.modules()
                    if isinstance(m, WEIGHTED) and m.weight.grad is not None)
        return {self.score_name: value}


def relu_code_kernel(codes: torch.Tensor) -> torch.Tensor:
    """NASWOT kernel of binary ReLU codes c (B, units): c c^T + (1-c)(1-c)^T,
    i.e. units minus the Hamming distances; shape (B, B)."""
    codes = codes.double()
    return codes @ codes.t() + (1 - codes) @ (1 - codes).t()


def relu_codes(model: nn.Module,
               inputs: torch.Tensor,
               maps_only: bool = False) -> torch.Tensor:
    """The binary activation codes (output > 0) of every ``nn.ReLU`` of
    ``model`` on ``inputs`` (BatchNorm on batch statistics), flattened per
    image and concatenated in call order: (B, units), bool. ``maps_only``:
    only the ReLUs applied to feature maps (4-D inputs), as SWAP counts."""
    codes = []

    def record(module, args, output):
        if not maps_only or args[0].dim() == 4:
            codes.append((output > 0).flatten(1))

    relus = [
        m for m in get_architecture(model).modules() if isinstance(m, nn.ReLU)
    ]
    with batch_statistics(model), forward_hooks(relus, record):
        logits_of(model, inputs)
    return torch.cat(codes, dim=1)


@TASK_UTILS.register_module()
class NASWOTEstimator(BaseTrainingFreeEstimator):
    """NASWOT: log |K_H| of the kernel of the binary activation codes of
    every ReLU on the minibatch (Mellor et al., "Neural Architecture Search
    without Training", ICML 2021)."""
    score_name = 'naswot'

    @torch.no_grad()
    def _score(self, model: nn.Module, key: str) -> Dict[str, float]:
        self.init_candidate(model, key)
        codes = relu_codes(model, self.inputs)
        kernel = relu_code_kernel(codes)
        return {self.score_name: torch.linalg.slogdet(kernel)[1]}


@TASK_UTILS.register_module()
class JacobCovEstimator(BaseTrainingFreeEstimator):
    """jacob_cov: with J the per-sample gradients of the summed outputs
    w.r.t. the inputs and v the eigenvalues of corrcoef(J),
    score = -sum(log(v + k) + 1 / (v + k)), k = 1e-5 (Mellor et al.,
    arXiv 2006.04647v1). A network whose output does not depend on its
    input (a zero or constant Jacobian row: corrcoef is undefined) scores
    -inf, as NASWOT and Zen treat such networks."""
    score_name = 'jacob_cov'

    def _score(self, model: nn.Module, key: str) -> Dict[str, float]:
        self.init_candidate(model, key)
        inputs = self.inputs.clone().requires_grad_(True)
        with torch.enable_grad(), batch_statistics(model):
            logits_of(model, inputs).sum().backward()
        model.zero_grad()
        if inputs.grad is None:
            return {self.score_name: -math.inf}
        jacobian = inputs.grad.flatten(1).double()
        if (jacobian.std(dim=1) == 0).any():
            return {self.score_name: -math.inf}
        eigenvalues = torch.linalg.eigvalsh(torch.corrcoef(jacobian))
        k = 1e-5
        value = -(torch.log(eigenvalues + k) + 1 / (eigenvalues + k)).sum()
        return {self.score_name: value}


@TASK_UTILS.register_module()
class ZenEstimator(BaseTrainingFreeEstimator):
    """Zen-score: log E||f(x) - f(x + a e)||_1 of the pre-pooling feature
    map for Gaussian x, e and a = 0.01, plus sum over BatchNorm layers of
    log sqrt(mean batch variance); Gaussian init, data-free (Lin et al.,
    "Zen-NAS", ICCV 2021).

    Args:
        mixup_gamma (float): a. Defaults to 0.01.
        init (str): Defaults to ``'gaussian'`` as in the paper.
        **kwargs: Those of :class:`BaseTrainingFreeEstimator`.
    """
    score_name = 'zen'

    def __init__(self,
                 mixup_gamma: float = 1e-2,
                 init: str = 'gaussian',
                 **kwargs):
        super().__init__(init=init, **kwargs)
        self.mixup_gamma = mixup_gamma

    @torch.no_grad()
    def _score(self, model: nn.Module, key: str) -> Dict[str, float]:
        self.init_candidate(model, key)
        generator = torch.Generator().manual_seed(
            derive_seed(self.seed, 'zen-inputs') % 2**31)
        x = torch.randn(self.inputs.shape, generator=generator)
        noise = torch.randn(self.inputs.shape, generator=generator)
        x, noise = x.to(self.device), noise.to(self.device)
        arch = get_architecture(model)
        variances = []

        def record(module, inputs, output):
            variances.append(inputs[0].var(dim=(0, 2, 3)).mean())

        norms = [m for m in arch.modules() if isinstance(m, _BatchNorm)]
        handles = [m.register_forward_hook(record) for m in norms]
        with batch_statistics(model):
            try:
                feat = arch.extract_feat(x, stage='backbone')[-1]
            finally:
                for h in handles:
                    h.remove()
            mixed = arch.extract_feat(
                x + self.mixup_gamma * noise, stage='backbone')[-1]
        delta = (feat - mixed).abs().sum(dim=(1, 2, 3)).mean()
        bn_term = sum(torch.log(torch.sqrt(v)) for v in variances)
        return {self.score_name: torch.log(delta) + bn_term}


@TASK_UTILS.register_module()
class ZiCoEstimator(_GradientProxy):
    """ZiCo: sum over conv/linear layers l of
    log(sum_w E_b[|g_w|] / std_b(g_w)), with g_w the gradient of the
    cross-entropy w.r.t. weight w on minibatch b, over the weights whose
    std is non-zero (Li et al., "ZiCo: Zero-shot NAS via inverse
    coefficient of variation on gradients", ICLR 2023; as its code
    SLDGroup/ZiCo ``compute_zico.py``).

    Choices the paper leaves open, taken as its code does: only conv and
    linear weights (no biases, no norm layers); population std (numpy's
    ddof=0); a layer whose sum is 0 (e.g. dead, or unused by the active
    path) adds nothing. Ours: the estimator's one minibatch is split into
    ``num_batches`` consecutive equal parts (the code takes that many
    loader batches, 2 in its scripts; on the 20 embedded images: 2 x 10),
    BatchNorm on each part's statistics.

    Args:
        num_batches (int): Minibatches the gradient statistics run over
            (>= 2). Defaults to 2.
        **kwargs: Those of :class:`BaseTrainingFreeEstimator`.
    """
    score_name = 'zico'

    def __init__(self, num_batches: int = 2, **kwargs):
        super().__init__(**kwargs)
        if not 2 <= num_batches <= len(self.inputs):
            raise ValueError(
                f'num_batches must be in [2, {len(self.inputs)}] (the '
                f'minibatch size), got {num_batches}.')
        self.num_batches = num_batches

    def _score(self, model: nn.Module, key: str) -> Dict[str, float]:
        self.init_candidate(model, key)
        grads: Dict[str, list] = {}
        layers = [(n, m) for n, m in get_architecture(model).named_modules()
                  if isinstance(m, WEIGHTED)]
        for inputs, labels in zip(
                self.inputs.chunk(self.num_batches),
                self.labels.chunk(self.num_batches)):
            model.zero_grad()
            with torch.enable_grad(), batch_statistics(model):
                F.cross_entropy(logits_of(model, inputs), labels).backward()
            for name, m in layers:
                if m.weight.grad is not None:
                    grads.setdefault(name, []).append(
                        m.weight.grad.flatten().double())
        model.zero_grad()
        value = torch.zeros((), dtype=torch.float64)
        for per_batch in grads.values():
            g = torch.stack(per_batch)  # (batches, weights of the layer)
            std = g.std(dim=0, unbiased=False)
            nonzero = std > 0
            total = (g.abs().mean(dim=0)[nonzero] / std[nonzero]).sum()
            if total > 0:
                value = value + torch.log(total)
        return {self.score_name: value}


@TASK_UTILS.register_module()
class PlainEstimator(_GradientProxy):
    """plain: sum over conv/linear weights of W * dL/dW (signed; SNIP is
    its absolute value), L the cross-entropy on the minibatch (NASLib's
    NAS-Bench-Suite-Zero, Krishnakumar et al., NeurIPS 2022 Datasets)."""
    score_name = 'plain'

    def _score(self, model: nn.Module, key: str) -> Dict[str, float]:
        self._backward(model, key)
        with torch.no_grad():
            value = sum((w * w.grad).sum() for w in self._weights(model))
        model.zero_grad()
        return {self.score_name: value}


@TASK_UTILS.register_module()
class L2NormEstimator(BaseTrainingFreeEstimator):
    """l2_norm: sum over the conv/linear layers that run of ||W||_F of the
    initialised weights; data-free (NASLib's NAS-Bench-Suite-Zero)."""
    score_name = 'l2_norm'

    @torch.no_grad()
    def _score(self, model: nn.Module, key: str) -> Dict[str, float]:
        self.init_candidate(model, key)
        value = sum(m.weight.norm() for m in active_modules(model)
                    if isinstance(m, WEIGHTED))
        return {self.score_name: value}


@TASK_UTILS.register_module()
class FisherEstimator(BaseTrainingFreeEstimator):
    """fisher: with a the output of each conv/linear layer (N, K, ...) and
    g = dL/da (L the cross-entropy), sum over layers and channels k of
    0.5 * mean_n (sum_{spatial} a * g)[n, k]^2 (Turner et al., "BlockSwap",
    ICLR 2020; the zero-cost form of Abdelfattah et al., as NASLib)."""
    score_name = 'fisher'

    def _score(self, model: nn.Module, key: str) -> Dict[str, float]:
        self.init_candidate(model, key)
        acts = []

        def record(module, inputs, output):
            output.retain_grad()
            acts.append((output.detach().clone(), output))

        layers = [
            m for m in get_architecture(model).modules()
            if isinstance(m, WEIGHTED)
        ]
        with torch.enable_grad(), batch_statistics(model), \
                forward_hooks(layers, record):
            loss = F.cross_entropy(logits_of(model, self.inputs), self.labels)
            loss.backward()
        model.zero_grad()
        value = torch.zeros((), device=self.device)
        for act, output in acts:
            if output.grad is None:
                continue
            g_nk = act * output.grad
            if g_nk.dim() > 2:
                g_nk = g_nk.sum(dim=tuple(range(2, g_nk.dim())))
            value = value + 0.5 * g_nk.pow(2).mean(0).sum()
        return {self.score_name: value}


@TASK_UTILS.register_module()
class GraSPEstimator(BaseTrainingFreeEstimator):
    """GraSP: -sum over conv/linear weights of W * (H g), g = dL/dW and H
    the Hessian of the cross-entropy L, by the double-backward product
    H g = d(g_fixed . dL/dW)/dW (Wang et al., ICLR 2020; zero-cost form of
    Abdelfattah et al. with T = 1 and one iteration, as NASLib)."""
    score_name = 'grasp'

    def _score(self, model: nn.Module, key: str) -> Dict[str, float]:
        self.init_candidate(model, key)
        weights = [
            m.weight for m in active_modules(model) if isinstance(m, WEIGHTED)
        ]
        model.zero_grad()
        with torch.enable_grad(), batch_statistics(model):
            loss = F.cross_entropy(logits_of(model, self.inputs), self.labels)
            fixed = torch.autograd.grad(loss, weights, allow_unused=True)
            loss = F.cross_entropy(logits_of(model, self.inputs), self.labels)
            grads = torch.autograd.grad(
                loss, weights, create_graph=True, allow_unused=True)
            z = sum((g0 * g).sum() for g0, g in zip(fixed, grads)
                    if g0 is not None and g is not None)
            z.backward()
        with torch.no_grad():
            value = -sum(
                (w * w.grad).sum() for w in weights if w.grad is not None)
        model.zero_grad()
        return {self.score_name: value}


def epe_nas_score(jacobian: torch.Tensor, labels: torch.Tensor,
                  num_classes: int) -> torch.Tensor:
    """EPE-NAS of input Jacobians (B, D) with labels (B,): per class c in
    the batch, s_c = sum_ij log(|corrcoef(J_c)|_ij + 1e-5), J_c the rows of
    class c (one row: corrcoef = 1); with ``num_classes`` > 100, s_c is
    divided by the rows of J_c and classes of one row are left out (as the
    authors' code, whose ``len`` of a scalar fails there). The score is
    sum_c |s_c| for <= 100 classes, else sum_c sum_c' |s_c - s_c'| / #c;
    NaN when no class is left."""
    k = 1e-5
    per_class = []
    for c in torch.unique(labels):
        rows = jacobian[labels == c].double()
        corrs = torch.corrcoef(rows) if len(rows) > 1 else rows.new_ones(())
        s = torch.log(corrs.abs() + k).sum()
        if num_classes > 100:
            if len(rows) == 1:
                continue
            s = s / len(rows)
        per_class.append(s)
    if not per_class:
        return jacobian.new_tensor(math.nan)
    s = torch.stack(per_class)
    if num_classes <= 100:
        return s.abs().sum()
    return (s[:, None] - s[None, :]).abs().sum() / len(s)


@TASK_UTILS.register_module()
class EPENASEstimator(BaseTrainingFreeEstimator):
    """EPE-NAS: :func:`epe_nas_score` of the per-sample gradients of the
    summed outputs w.r.t. the inputs (Lopes et al., "EPE-NAS", ICANN 2021;
    as NASLib's copy of the authors' code)."""
    score_name = 'epe_nas'

    def _score(self, model: nn.Module, key: str) -> Dict[str, float]:
        self.init_candidate(model, key)
        inputs = self.inputs.clone().requires_grad_(True)
        with torch.enable_grad(), batch_statistics(model):
            logits = logits_of(model, inputs)
            logits.sum().backward()
        model.zero_grad()
        if inputs.grad is None:
            return {self.score_name: -math.inf}
        return {
            self.score_name:
            epe_nas_score(
                inputs.grad.flatten(1), self.labels, logits.shape[-1])
        }
