"""Build the network a search chose: a supernet config + its fix_subnet."""
import copy
import os.path as osp
from typing import Union

import torch
import torch.nn as nn
from mmengine import fileio
from mmrazor.models.mutables.base_mutable import BaseMutable
from mmrazor.models.mutators import NasMutator
from mmrazor.registry import sub_model

from diswot_mm.models.search_spaces import (alias_to_choices,
                                            name_unaliased_mutables)
from diswot_mm.models.search_spaces.utils import group_aliases
from diswot_mm.registry import MODELS


@MODELS.register_module()
def fixed_subnet(cfg: dict, fix_subnet: Union[str, dict],
                 **kwargs) -> nn.Module:
    """mmrazor's ``sub_model`` (the supernet fixed to one subnet and made
    static: an ordinary network) that first checks the fix_subnet fits the
    supernet: a missing file, a missing or unknown choice or a value outside
    the space is a clear error instead of an assertion deep in mmrazor.

    Args:
        cfg (dict): The supernet classifier config (``model.architecture``
            of a search config).
        fix_subnet (str | dict): The fix_subnet YAML path (e.g.
            ``best_fix_subnet.yaml`` of tools/search.py) or its content,
            ``{alias: {'chosen': value}}``.
        **kwargs: Other arguments of mmrazor's ``sub_model``.

    Returns:
        nn.Module: The fixed network.
    """
    if isinstance(fix_subnet, str):
        if not osp.isfile(fix_subnet):
            raise FileNotFoundError(
                f'fix_subnet {fix_subnet!r} does not exist: give the '
                'best_fix_subnet.yaml written by tools/search.py.')
        path, fix_subnet = fix_subnet, fileio.load(fix_subnet)
    else:
        path = 'the fix_subnet'
    # the check needs the mutables only: built on the meta device, without
    # the weights (the ImageNet space holds 424 M parameters; sub_model
    # builds the real one), except a channel supernet (OFA, AttentiveNAS),
    # whose channel units read their masks' values while being built
    try:
        with torch.device('meta'):
            supernet = MODELS.build(copy.deepcopy(cfg))
    except RuntimeError as err:
        if 'meta tensors' not in str(err):
            raise
        supernet = MODELS.build(copy.deepcopy(cfg))
    name_unaliased_mutables(supernet)  # as the search named them
    mutator = NasMutator()
    mutator.prepare_from_supernet(supernet)
    # mmrazor also writes the mutables that have one choice (a channel
    # supernet's last width): not search choices, sub_model checks them
    searched = set(group_aliases(mutator).values())
    single = {
        m.alias
        for m in supernet.modules()
        if isinstance(m, BaseMutable) and m.alias not in searched
    }
    try:
        alias_to_choices(
            mutator, {
                alias: chosen['chosen'] if isinstance(chosen, dict) else chosen
                for alias, chosen in fix_subnet.items() if alias not in single
            })
    except (KeyError, ValueError) as err:
        raise ValueError(f'{path} does not fit the search space of the '
                         f'student config: {err}') from err
    return sub_model(cfg, fix_subnet, **kwargs)
