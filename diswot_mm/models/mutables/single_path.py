"""mmrazor's differentiable mutables (DARTS, DSNAS) as single-path ones.

Unfixed, a ``DiffMutableOP`` without architecture parameters runs every
candidate op and sums them (``forward_all``), and a ``DiffChoiceRoute``
every input edge: a training-free score of such a supernet scores the whole
supernet, whatever candidate is selected (issue 35: every DARTS candidate
had the supernet's FLOPs and params). Here a candidate is its sampled
single path, as in SPOS: the op of ``current_choice``, the input edges of
``current_choice`` (the same network ``fix_chosen`` leaves, so the student
built from ``best_fix_subnet.yaml`` is the network scored).
"""
from typing import Any, List

import torch
import torch.nn as nn
from mmrazor.models.mutables import DiffChoiceRoute, DiffMutableOP


class SinglePathMutableOP(DiffMutableOP):
    """A ``DiffMutableOP`` (or ``OneHotMutableOP``) that runs only the op of
    its ``current_choice`` until fixed."""

    def forward(self, x: Any, arch_param: Any = None) -> torch.Tensor:
        if self.is_fixed:
            return self.forward_fixed(x)
        return self._candidates[self.current_choice](x)


class SinglePathChoiceRoute(DiffChoiceRoute):
    """A ``DiffChoiceRoute`` that sums only the edges of its
    ``current_choice`` (an edge key, as the search samples it, or a list of
    them) until fixed."""

    def forward(self, x: List[torch.Tensor], arch_param: Any = None):
        if self.is_fixed:
            return self.forward_fixed(x)
        choice = self.current_choice  # an edge key, or a list of them
        chosen = {choice} if isinstance(choice, str) else set(choice)
        return sum(
            edge(inputs)
            for (key, edge), inputs in zip(self._candidates.items(), x)
            if key in chosen)


def to_single_path(model: nn.Module) -> int:
    """Turn every unfixed differentiable mutable of ``model`` into its
    single-path class above, in place (the module keeps its state, its
    candidates and its place in the mutator's groups). Returns how many."""
    converted = 0
    for module in model.modules():
        if getattr(module, 'is_fixed', True):
            continue
        for kind, single in ((DiffChoiceRoute, SinglePathChoiceRoute),
                             (DiffMutableOP, SinglePathMutableOP)):
            if isinstance(module, kind) and not isinstance(module, single):
                module.__class__ = single
                converted += 1
                break
    return converted
