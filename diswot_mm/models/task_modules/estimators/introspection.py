"""What the training-free estimators read from a classifier: its last
feature map, the input and weight of its final linear layer, the modules a
supernet's forward runs and what identifies a candidate."""
import contextlib
import json
from typing import Callable, Iterable, Iterator, Tuple

import torch
import torch.nn as nn
from mmpretrain.models.classifiers import BaseClassifier
from mmrazor.models.mutables import OneShotMutableOP

from diswot_mm.models.mutables import (SinglePathChoiceRoute,
                                       SinglePathMutableOP)


def get_architecture(model: nn.Module) -> nn.Module:
    """The classifier inside an mmrazor algorithm (SPOS, ...) or itself."""
    return getattr(model, 'architecture', model)


def final_linear(model: nn.Module, who: str = 'model') -> nn.Linear:
    """The final linear layer of an mmpretrain classifier (W, shape
    (N, C)): the last ``nn.Linear`` of its head with ``num_classes``
    outputs (``LinearClsHead.fc``, ``VisionTransformerClsHead.layers.head``,
    the last layer of a ``StackedLinearClsHead``).

    Raises:
        ValueError: ``model`` is not a classifier with such a head; the
            message names ``who`` and the classes found.
    """
    arch = get_architecture(model)
    head = getattr(arch, 'head', None)
    if not (isinstance(arch, BaseClassifier) and head is not None
            and hasattr(head, 'pre_logits')):
        raise ValueError(
            f'DisWOT needs the {who} to be an mmpretrain classifier '
            '(backbone, optional neck, and a head with pre_logits and a '
            f'final nn.Linear); found {type(arch).__name__} with head '
            f'{type(head).__name__}.')
    num_classes = getattr(head, 'num_classes', None)
    linears = [
        m for m in head.modules()
        if isinstance(m, nn.Linear) and m.out_features == num_classes
    ]
    if not linears:
        raise ValueError(
            f'the head {type(head).__name__} of the {who} has no final '
            f'nn.Linear with num_classes={num_classes} outputs: DisWOT '
            'needs the classifier\'s final linear layer.')
    return linears[-1]


def classifier_forward(
        model: nn.Module,
        inputs: torch.Tensor,
        who: str = 'model') -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Run the classifier once and return the DisWOT quantities.

    Args:
        model (nn.Module): An mmpretrain classifier accepted by
            :func:`final_linear` (or an mmrazor algorithm around one; only
            its active path runs).
        inputs (Tensor): Images, shape (B, 3, H, W).
        who (str): ``'teacher'`` or ``'student'``, for the messages.

    Returns:
        tuple: A, the last backbone output: a feature map (B, C, H', W'), a
        token sequence (B, L, C) or, for backbones that pool or return a
        class token, (B, C); f, the input of the final linear layer (the
        head's ``pre_logits``; GAP(A) for pool + linear), (B, C); logits
        z = W f + b, (B, N).
    """
    fc = final_linear(model, who)
    arch = get_architecture(model)
    feats = arch.backbone(inputs)
    feat = feats[-1]
    if not isinstance(feat, torch.Tensor):
        raise ValueError(
            f'the {who} backbone {type(arch.backbone).__name__} returns a '
            f'{type(feat).__name__} as its last output, not one tensor: '
            "set its out_type (e.g. out_type='cls_token' for a ViT).")
    pooled = arch.head.pre_logits(
        arch.neck(feats) if arch.with_neck else feats)
    if not isinstance(pooled, torch.Tensor) or pooled.dim() != 2:
        got = (
            tuple(pooled.shape) if isinstance(pooled, torch.Tensor) else
            f'a {type(pooled).__name__}')
        raise ValueError(
            f'the {who} head {type(arch.head).__name__} gets {got} as the '
            'input of its final linear layer (pre_logits), not one (B, C) '
            'tensor: pool before the head (neck=dict(type='
            "'mmpretrain.GlobalAveragePooling')) or use a head with one "
            'classifier input (VisionTransformerClsHead, not the two tokens '
            'of DeiTClsHead).')
    return feat, pooled, fc(pooled)


def spatial_map(feat: torch.Tensor,
                width: int,
                who: str = 'model') -> torch.Tensor:
    """A of :func:`classifier_forward` as a map (B, C, P) of P positions
    for the class activation maps: a feature map flattened, a token
    sequence (B, L, C) transposed.

    Raises:
        ValueError: ``feat`` has no positions (a pooled or class-token
            output) or its width is not the final linear's input ``width``.
    """
    if feat.dim() == 4 and feat.shape[1] == width:
        return feat.flatten(2)
    if feat.dim() == 3 and feat.shape[2] == width:
        return feat.transpose(1, 2)
    raise ValueError(
        f'semantic="cam" needs the {who}\'s last feature map (B, {width}, H, '
        f'W) or token sequence (B, L, {width}) entering its final linear '
        f'layer, but its backbone gives {tuple(feat.shape)} (it pools or '
        'returns a class token). Use semantic="class" (from the classifier '
        'input features, any widths), semantic="grad" (the same input, '
        'equal final widths), semantic_weight=0 (the '
        'relation term alone), or a backbone that outputs its map (e.g. '
        "gap_before_final_norm=False for ConvNeXt, out_type='featmap' for "
        'a ViT).')


def is_input_independent(pooled: torch.Tensor,
                         rtol: float = 1e-6) -> torch.Tensor:
    """Whether every image of the batch gave the same features.

    Args:
        pooled (Tensor): Pooled features f, shape (B, C).
        rtol (float): Largest deviation from the batch mean, relative to the
            largest magnitude, still counted as "the same".

    Returns:
        Tensor: A 0-dim bool on the device of ``pooled`` (no host round
        trip), True when ``max |f - mean_b f| <= rtol * max |f|`` (all-zero
        features included): the network ignores its input.
    """
    spread = (pooled - pooled.mean(0, keepdim=True)).abs().max()
    return spread <= rtol * pooled.abs().max()


def candidate_key(model: nn.Module) -> str:
    """What identifies a candidate: the mutator's current choices of a
    supernet, else the names and shapes of the parameters."""
    mutator = getattr(model, 'mutator', None)
    if mutator is not None:
        choices = mutator.current_choices
        return json.dumps({
            str(k): str(v)
            for k, v in choices.items()
        },
                          sort_keys=True)
    return json.dumps([(n, list(p.shape))
                       for n, p in model.named_parameters()])


def active_modules(model: nn.Module) -> Iterator[nn.Module]:
    """``model.modules()`` (same order, each module once) without what its
    forward cannot run: of an mmrazor OneShotMutableOP (or a single-path
    differentiable op, :mod:`diswot_mm.models.mutables`) with a choice set,
    only the chosen candidate (a NAS-Bench-201 edge holds five ops and runs
    one); of a single-path route, only its chosen edges. Networks without
    such ops yield exactly ``model.modules()``."""
    seen = set()

    def walk(module):
        if id(module) in seen:
            return
        seen.add(id(module))
        yield module
        unfixed = not getattr(module, 'is_fixed', True) and getattr(
            module, 'current_choice', None) is not None
        if unfixed and isinstance(module,
                                  (OneShotMutableOP, SinglePathMutableOP)):
            children = [module._candidates[module.current_choice]]
        elif unfixed and isinstance(module, SinglePathChoiceRoute):
            choice = module.current_choice
            children = [
                module._candidates[c]
                for c in ([choice] if isinstance(choice, str) else choice)
            ]
        else:
            children = module.children()
        for child in children:
            yield from walk(child)

    yield from walk(model)


@contextlib.contextmanager
def forward_hooks(modules: Iterable[nn.Module],
                  hook: Callable,
                  pre: bool = False) -> Iterator[None]:
    """``hook`` registered as a forward hook (``pre``: forward pre-hook) of
    each of ``modules`` inside the block, removed on exit."""
    register = ('register_forward_pre_hook'
                if pre else 'register_forward_hook')
    handles = [getattr(m, register)(hook) for m in modules]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()
