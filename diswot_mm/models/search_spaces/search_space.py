"""A supernet as a space of named candidates: what the search loop and the
rank tool share (decode a name, set its choices, score its network)."""
from typing import TYPE_CHECKING, Any, Dict

import torch.nn as nn

from ..mutables import to_single_path
from .arch_codec import arch_codec, name_unaliased_mutables
from .utils import alias_to_choices, choices_to_alias, subnet_network

if TYPE_CHECKING:  # the estimators import this package
    from ..task_modules.estimators import TrainingFreeEstimator


class SearchSpace:
    """The candidates of an mmrazor NAS algorithm's supernet, by name.

    Prepares the supernet once as every search does: mutables without an
    alias are named (mmrazor's shipped spaces), differentiable DARTS / DSNAS
    ops run one path. A candidate's name is the space's arch string (S1
    digits ``'557'``, a NAS-Bench-201 cell, or the JSON of its fix_subnet).

    Args:
        model (nn.Module): An mmrazor algorithm with a ``mutator`` and an
            ``architecture`` (e.g. ``mmrazor.SPOS``).

    Raises:
        TypeError: ``model`` has no mutator or no architecture.
    """

    def __init__(self, model: nn.Module) -> None:
        if not (hasattr(model, 'mutator') and hasattr(model, 'architecture')):
            raise TypeError('the search needs model = an mmrazor algorithm '
                            'with a mutator (e.g. type="mmrazor.SPOS"), got '
                            f'{type(model).__name__}.')
        name_unaliased_mutables(model.architecture)  # mmrazor's spaces
        to_single_path(model.architecture)  # DARTS, DSNAS: one path
        self.model = model
        self.mutator = model.mutator
        self.codec = arch_codec(model.architecture.backbone, self.mutator)

    def arch_of(self, choices: Dict[str, Any]) -> str:
        """The name of the candidate with the mutator's ``choices``."""
        return self.codec.encode(choices_to_alias(self.mutator, choices))

    def choices_of(self, arch: str) -> Dict[str, Any]:
        """The mutator's choices of candidate ``arch``.

        Raises:
            ValueError: ``arch`` is no name of this space.
        """
        return alias_to_choices(self.mutator, self.codec.decode(arch))

    def select(self, arch: str) -> None:
        """Set candidate ``arch``'s choices on the supernet."""
        self.mutator.set_choices(self.choices_of(arch))

    def network(self) -> nn.Module:
        """The network of the selected candidate, to score and count: the
        supernet, or for a channel supernet its sliced static copy
        (:func:`subnet_network`)."""
        network, sliced = subnet_network(self.model)
        return network if sliced else self.model

    def score(self, estimator: 'TrainingFreeEstimator',
              arch: str) -> Dict[str, Any]:
        """``estimator``'s outputs for candidate ``arch`` (its name is the
        estimator's cache key)."""
        self.select(arch)
        return estimator.score(self.network(), key=arch)
