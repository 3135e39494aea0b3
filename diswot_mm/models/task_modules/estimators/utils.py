"""What the training-free estimators need from a classifier: its pre-pooling
feature map and final linear layer, and a reproducible random init."""
import contextlib
import hashlib
import json
from typing import Iterator, Tuple

import torch
import torch.nn as nn
from mmpretrain.models.heads import LinearClsHead
from mmpretrain.models.necks import GlobalAveragePooling
from mmrazor.models.mutables import OneShotMutableOP
from torch.nn.modules.batchnorm import _BatchNorm

INIT_SCHEMES = ('gaussian', 'default')


def get_architecture(model: nn.Module) -> nn.Module:
    """The classifier inside an mmrazor algorithm (SPOS, ...) or itself."""
    return getattr(model, 'architecture', model)


def check_pool_linear(model: nn.Module) -> nn.Linear:
    """Check ``model`` is an ImageClassifier that pools then applies one
    linear layer; return that layer (weight W of shape (N, C))."""
    arch = get_architecture(model)
    neck, head = getattr(arch, 'neck', None), getattr(arch, 'head', None)
    if not (hasattr(arch, 'extract_feat')
            and isinstance(neck, GlobalAveragePooling)
            and isinstance(head, LinearClsHead)):
        raise ValueError(
            'DisWOT needs an mmpretrain ImageClassifier whose neck is '
            'GlobalAveragePooling and whose head is a LinearClsHead (pool '
            f'then one linear layer); found {type(arch).__name__} with neck '
            f'{type(neck).__name__} and head {type(head).__name__}.')
    return head.fc


def pool_linear_forward(
        model: nn.Module,
        inputs: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor,
                                       torch.Tensor]:
    """Run the classifier once and return the DisWOT quantities.

    Args:
        model (nn.Module): A classifier accepted by :func:`check_pool_linear`
            (or an mmrazor algorithm around one; only its active path runs).
        inputs (Tensor): Images, shape (B, 3, H, W).

    Returns:
        tuple: A, the last backbone feature map (B, C, H', W'); f = GAP(A)
        (B, C); logits z (B, N).
    """
    fc = check_pool_linear(model)
    feat = get_architecture(model).extract_feat(inputs, stage='backbone')[-1]
    pooled = feat.mean((2, 3))
    return feat, pooled, fc(pooled)


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


def derive_seed(*parts) -> int:
    """A 63-bit seed from ``parts`` that is the same in every process
    (Python's ``hash`` is salted per process)."""
    text = json.dumps([str(p) for p in parts])
    return int(hashlib.sha256(text.encode()).hexdigest()[:15], 16)


def candidate_key(model: nn.Module) -> str:
    """What identifies a candidate: the mutator's current choices of a
    supernet, else the names and shapes of the parameters."""
    mutator = getattr(model, 'mutator', None)
    if mutator is not None:
        choices = mutator.current_choices
        return json.dumps({str(k): str(v) for k, v in choices.items()},
                          sort_keys=True)
    return json.dumps([(n, list(p.shape))
                       for n, p in model.named_parameters()])


def active_modules(model: nn.Module) -> Iterator[nn.Module]:
    """``model.modules()`` (same order, each module once) without what its
    forward cannot run: of an mmrazor OneShotMutableOP with a choice set,
    only the chosen candidate (a NAS-Bench-201 edge holds five ops and runs
    one). Networks without such ops yield exactly ``model.modules()``."""
    seen = set()

    def walk(module):
        if id(module) in seen:
            return
        seen.add(id(module))
        yield module
        if isinstance(module, OneShotMutableOP) and not module.is_fixed \
                and module.current_choice is not None:
            children = [module._candidates[module.current_choice]]
        else:
            children = module.children()
        for child in children:
            yield from walk(child)

    yield from walk(model)


@torch.no_grad()
def random_init_(model: nn.Module, scheme: str, seed: int) -> None:
    """Re-initialise ``model`` in place, reproducibly from ``seed``.

    ``gaussian`` (the official DisWOT code): Conv2d and Linear weights
    ~ N(0, 1), biases 0; BatchNorm/GroupNorm weight 1, bias 0. ``default``:
    each module's own ``reset_parameters``. Only :func:`active_modules`
    are drawn (in their order), so a supernet's unchosen ops cost nothing
    and a candidate's weights depend only on its choices and ``seed``. The
    global RNG is left as it was.
    """
    if scheme not in INIT_SCHEMES:
        raise ValueError(f'init supports {INIT_SCHEMES}, but got {scheme!r}.')
    param = next(model.parameters())
    with torch.random.fork_rng(devices=[param.device] if param.is_cuda
                               else []):
        torch.manual_seed(seed)
        for module in active_modules(model):
            if scheme == 'default':
                if hasattr(module, 'reset_parameters'):
                    module.reset_parameters()
            elif isinstance(module, (nn.Conv2d, nn.Linear)):
                module.weight.normal_(0, 1)
                if module.bias is not None:
                    module.bias.zero_()
            elif isinstance(module, (_BatchNorm, nn.GroupNorm)):
                if module.weight is not None:
                    module.weight.fill_(1)
                    module.bias.zero_()


@contextlib.contextmanager
def batch_statistics(model: nn.Module) -> Iterator[None]:
    """Run BatchNorm on batch statistics without updating running ones.

    Inside, every BatchNorm that can run (:func:`active_modules`) is in
    training mode with ``track_running_stats`` off, so it normalises by the
    batch and leaves its buffers untouched; both are restored on exit.
    """
    norms = [m for m in active_modules(model) if isinstance(m, _BatchNorm)]
    saved = [(m.training, m.track_running_stats) for m in norms]
    for m in norms:
        m.train()
        m.track_running_stats = False
    try:
        yield
    finally:
        for m, (training, track) in zip(norms, saved):
            m.train(training)
            m.track_running_stats = track
