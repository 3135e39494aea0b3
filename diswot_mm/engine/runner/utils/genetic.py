"""Breeding of an evolution search (mmrazor's ``engine/runner/utils/
genetic.py`` for the training-free loop): random candidates, mutation and
crossover over a mutator's search groups, each drawing from one
``random.Random`` in a fixed order, so a seeded search is reproducible.

Candidates are choices dicts ``{group: choice}`` as
``NasMutator.set_choices`` takes them."""
import random
from typing import Any, Dict, List, Tuple

from diswot_mm.models.search_spaces import mutable_choices

Choices = Dict[Any, Any]


def random_choices(search_groups: Dict[Any, List],
                   rng: random.Random) -> Choices:
    """One choice per group, uniformly among the group's choices."""
    return {
        group: rng.choice(mutable_choices(mutables[0]))
        for group, mutables in search_groups.items()
    }


def mutate(parent: Choices, search_groups: Dict[Any, List], rng: random.Random,
           prob: float) -> Choices:
    """``parent`` with each choice redrawn with probability ``prob``."""
    return {
        g:
        rng.choice(mutable_choices(search_groups[g][0]))
        if rng.random() < prob else c
        for g, c in parent.items()
    }


def crossover(first: Choices, second: Choices, rng: random.Random,
              prob: float) -> Choices:
    """``first`` with each choice taken from ``second`` with probability
    ``prob``."""
    return {
        g: second[g] if rng.random() < prob else c
        for g, c in first.items()
    }


def breeding_counts(num_candidates: int, num_mutation: int,
                    num_crossover: int) -> Tuple[int, int]:
    """(mutation, crossover) children of a breeding generation: as set, or
    scaled down proportionally when together they exceed
    ``num_candidates``."""
    bred = num_mutation + num_crossover
    if bred <= num_candidates:
        return num_mutation, num_crossover
    mutation = num_mutation * num_candidates // bred
    return mutation, num_candidates - mutation
