"""Names of candidates for any search space, mmrazor's own supernets
included.

A space names whole candidates with a short string (``'557'`` in S1, an
NB201 arch string) through :class:`ArchCodec`. Spaces that write their own
naming subclass :class:`SearchSpaceMixin`; any other supernet (mmrazor's
``SearchableShuffleNetV2``, a user's space) gets :class:`MutatorArchCodec`:
one character per search choice, the value where every choice of that
mutable is a single digit (depths), else the index of the choice in the
mutable's list (``'0123...'`` for SPOS's four blocks per layer).

mmrazor's supernets leave their mutables without ``alias``:
:func:`name_unaliased_mutables` names each by its module path in the
classifier (``'backbone.layers.0.0'``), which is also the name mmrazor's
``load_fix_subnet`` looks such a mutable up by, so the fix_subnet YAML of a
search rebuilds with ``sub_model``.
"""
import json
from typing import Any, Dict, List

import torch.nn as nn
from mmrazor.models.mutables import DerivedMutable, MutableChannelContainer
from mmrazor.models.mutables.base_mutable import BaseMutable
from mmrazor.models.mutators import NasMutator

from .utils import group_aliases, mutable_choices


class ArchCodec:
    """Interface: a candidate's name from its choices and back.

    Both take and give ``{alias: choice}`` with native Python values.
    """

    def encode(self, choices: Dict[str, Any]) -> str:
        raise NotImplementedError

    def decode(self, arch: str) -> Dict[str, Any]:
        raise NotImplementedError


class SearchSpaceMixin(ArchCodec):
    """Base of a backbone that names its candidates itself: override
    :meth:`encode` and :meth:`decode` (S1's ``'557'``, NB201's arch
    strings)."""


class MutatorArchCodec(ArchCodec):
    """Compact names for any mutator's search groups (see the module
    docstring); the groups in the mutator's order, one character each
    (``'-'``-separated when some choice index has two digits).

    ``decode`` also reads the JSON ``{alias: choice}`` names of older
    searches.

    Args:
        mutator (NasMutator): A prepared mutator whose groups have aliases
            (:func:`name_unaliased_mutables`).
    """

    def __init__(self, mutator: NasMutator) -> None:
        aliases = group_aliases(mutator)
        self.choices: Dict[str, List[Any]] = {
            aliases[group]: mutable_choices(mutables[0])
            for group, mutables in mutator.search_groups.items()
        }
        self.by_value = {
            alias: all(isinstance(c, int) and 0 <= c <= 9 for c in choices)
            for alias, choices in self.choices.items()
        }
        self.separator = '' if all(
            len(choices) <= 10 for choices in self.choices.values()) else '-'

    def encode(self, choices: Dict[str, Any]) -> str:
        tokens = []
        for alias, allowed in self.choices.items():
            choice = choices[alias]
            tokens.append(
                str(choice if self.by_value[alias] else allowed.index(choice)))
        return self.separator.join(tokens)

    def decode(self, arch: str) -> Dict[str, Any]:
        if arch.startswith('{'):
            return json.loads(arch)
        tokens = arch.split('-') if self.separator else list(arch)
        if len(tokens) != len(self.choices) or not all(t.isdigit()
                                                       for t in tokens):
            raise ValueError(
                f'arch {arch!r} is not a name in this space: expected '
                f'{len(self.choices)} digits'
                f'{" separated by -" if self.separator else ""}, one per '
                f'search choice ({", ".join(self.choices)}).')
        result = {}
        for (alias, allowed), token in zip(self.choices.items(), tokens):
            if self.by_value[alias]:
                value = int(token)
                if value not in allowed:
                    raise ValueError(f'arch {arch!r}: {alias}={value} is not '
                                     f'in the space; choose one of {allowed}.')
            else:
                if int(token) >= len(allowed):
                    raise ValueError(
                        f'arch {arch!r}: {alias} has {len(allowed)} choices '
                        f'{allowed}, no index {token}.')
                value = allowed[int(token)]
            result[alias] = value
        return result


def arch_codec(backbone: nn.Module, mutator: NasMutator) -> ArchCodec:
    """The space's own naming (a :class:`ArchCodec` backbone), else
    :class:`MutatorArchCodec` of ``mutator``."""
    if isinstance(backbone, ArchCodec):
        return backbone
    return MutatorArchCodec(mutator)


def name_unaliased_mutables(architecture: nn.Module) -> Dict[str, str]:
    """Give every mutable of ``architecture`` (the classifier, e.g.
    ``model.architecture`` of SPOS) that has no ``alias`` its module path
    as alias; return ``{path: alias}`` of those named. Stable for a given
    config (module order), readable, and the key mmrazor's
    ``load_fix_subnet`` looks an alias-less mutable up by."""
    named = {}
    for name, module in architecture.named_modules():
        if isinstance(module, BaseMutable) and not isinstance(
                module, (DerivedMutable, MutableChannelContainer)) \
                and module.alias is None:
            module.alias = name
            named[name] = name
    return named
