"""Translate between mmrazor search-group choices and space-level names.

mmrazor's NasMutator names its search groups ``value_0``, ``module_3``, ...
Our spaces give every mutable an ``alias`` (``stage1_blocks``, ``edge_2_1``)
and each space names whole candidates (``557``, an NB201 arch string); these
helpers convert between the three.
"""
from typing import Any, Dict, List, Sequence, Tuple

import torch.nn as nn
from mmrazor.models.architectures.dynamic_ops import DynamicSequential
from mmrazor.models.architectures.dynamic_ops.mixins.dynamic_mixins import (
    DynamicChannelMixin, DynamicResizeMixin)
from mmrazor.models.mutables import (MutableChannelUnit, OneShotMutableValue,
                                     SequentialMutableChannelUnit)
from mmrazor.models.mutators import NasMutator
from mmrazor.structures import export_fix_subnet


def _native(value: Any) -> Any:
    """numpy scalars (``np.str_``, ``np.int64``) -> Python scalars."""
    return value.item() if hasattr(value, 'item') else value


def subnet_network(model: nn.Module) -> Tuple[nn.Module, bool]:
    """(the plain network of the subnet selected in ``model``, whether it
    is mmrazor's sliced copy): the supernet's architecture itself unless it
    has dynamic channel or resize ops (OFA, AttentiveNAS, BigNAS), whose
    subnet is the static copy ``export_fix_subnet(slice_weight=True)``
    makes, the network the fix_subnet's student is (its weights sliced,
    its fan-ins its own)."""
    if hasattr(model, 'mutator') and any(
            isinstance(m, (DynamicChannelMixin, DynamicResizeMixin))
            for m in model.modules()):
        sliced = export_fix_subnet(model, slice_weight=True)[1]
        return sliced.architecture, True
    return getattr(model, 'architecture', model), False


def mutable_choices(mutable) -> List[Any]:
    """The choices of a search group's mutable: ``choices`` of op, depth
    and value mutables; ``candidate_choices`` (channel counts or ratios) of
    mmrazor's channel units (OFA, AttentiveNAS, BigNAS)."""
    if isinstance(mutable, MutableChannelUnit):
        return list(mutable.candidate_choices)
    return list(mutable.choices)


def mutable_alias(mutable) -> str:
    """The name a fix_subnet gives a search group's mutable: its ``alias``;
    for a channel unit, the alias of its channel mutable
    (``'backbone.layers.2.out_channels'``: mmrazor's ``export_fix_subnet``
    writes that one, the unit's own is its module path and width)."""
    if isinstance(mutable, SequentialMutableChannelUnit) and \
            mutable.mutable_channel.alias:
        return mutable.mutable_channel.alias
    return mutable.alias


def group_aliases(mutator: NasMutator) -> Dict[str, str]:
    """Search group name -> alias of its mutables."""
    aliases = {}
    for group, mutables in mutator.search_groups.items():
        alias = mutable_alias(mutables[0])
        if alias is None:
            raise ValueError(f'search group {group} has no alias: give every '
                             'mutable of a diswot_mm search space an alias.')
        aliases[group] = alias
    return aliases


def choices_to_alias(mutator: NasMutator,
                     choices: Dict[str, Any]) -> Dict[str, Any]:
    """``{group: choice}`` -> ``{alias: choice}`` with native values."""
    aliases = group_aliases(mutator)
    return {aliases[g]: _native(c) for g, c in choices.items()}


def alias_to_choices(mutator: NasMutator,
                     alias_choices: Dict[str, Any]) -> Dict[str, Any]:
    """``{alias: choice}`` -> ``{group: choice}``; a clear error when they
    do not fit the space."""
    aliases = group_aliases(mutator)
    missing = set(aliases.values()) - set(alias_choices)
    unknown = set(alias_choices) - set(aliases.values())
    if missing or unknown:
        raise KeyError(f'the choices do not fit the search space: missing '
                       f'{sorted(missing)}, unknown {sorted(unknown)}.')
    result = {}
    for group, alias in aliases.items():
        choice = alias_choices[alias]
        allowed = mutable_choices(mutator.search_groups[group][0])
        if choice not in allowed:
            raise ValueError(f'{alias}={choice!r} is not in the space; '
                             f'choose one of {list(allowed)}.')
        result[group] = choice
    return result


def depth_searchable_stage(blocks: Sequence[nn.Module], choices: Sequence[int],
                           alias: str) -> DynamicSequential:
    """A stage of ``max(choices)`` blocks whose depth is searchable: an
    mmrazor ``DynamicSequential`` runs its first ``depth`` blocks, ``depth``
    being a ``OneShotMutableValue`` over ``choices`` named ``alias``."""
    stage = DynamicSequential(*blocks)
    stage.register_mutable_attr(
        'depth',
        OneShotMutableValue(
            value_list=list(choices), default_value=max(choices), alias=alias))
    return stage


def width_key(factor: float) -> str:
    """Name of a width choice: 0.75 -> ``'w075'`` (ModuleDict keys cannot
    hold a dot)."""
    return f'w{round(factor * 100):03d}'
