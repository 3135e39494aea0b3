"""Search space S1 of DisWOT: CIFAR ResNets with a searchable number of
BasicBlocks per stage, and optionally a searchable width."""
from typing import Dict, Sequence, Tuple

import torch
import torch.nn as nn
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmrazor.models.mutables import OneShotMutableOP

from diswot_mm.models.backbones.resnet_cifar import cifar_stem, make_stage
from diswot_mm.registry import MODELS
from .arch_codec import SearchSpaceMixin
from .utils import depth_searchable_stage, width_key


@MODELS.register_module()
class SearchableCIFARResNet(BaseBackbone, SearchSpaceMixin):
    """CIFAR ResNet supernet whose stages have a searchable depth.

    Stage i holds ``max(blocks[i])`` BasicBlocks in a mmrazor
    ``DynamicSequential`` whose depth is a ``OneShotMutableValue`` with alias
    ``stage{i+1}_blocks``; only the first ``depth`` blocks run. The default,
    blocks in {1, 3, 5, 7} for each of the three stages of widths 16/32/64,
    is the paper's S1 (64 students). A candidate is named by its digits:
    ``'557'`` = 5, 5, 7 blocks; ``'333'`` is ResNet20. A fixed subnet
    exports to a plain ``Sequential`` per stage with the same parameter names
    as :class:`CIFARResNet`.

    Optional width choices: with several ``widen_factors`` the stem and all
    stages but the last are scaled by a searchable factor (alias
    ``widen_factor``; the last stage keeps its width, which the head and the
    "grad" semantic metric need); candidates are then named ``'557-w075'``.

    Args:
        blocks (Sequence[Sequence[int]]): Depth choices of each stage.
            Defaults to ``((1, 3, 5, 7),) * 3``.
        stage_channels (Sequence[int]): Width of each stage. Defaults to
            ``(16, 32, 64)``.
        stem_channels (int, optional): Width of the stem conv. Defaults to
            the first stage width.
        widen_factors (Sequence[float]): Width choices. Defaults to
            ``(1.0,)`` (no width search).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 blocks: Sequence[Sequence[int]] = ((1, 3, 5, 7), ) * 3,
                 stage_channels: Sequence[int] = (16, 32, 64),
                 stem_channels: int = None,
                 widen_factors: Sequence[float] = (1.0, ),
                 init_cfg: dict = None):
        super().__init__(init_cfg)
        if len(blocks) != len(stage_channels):
            raise ValueError(f'blocks has {len(blocks)} stages but '
                             f'stage_channels {len(stage_channels)}.')
        for choices in blocks:
            if not choices or min(choices) < 1 or max(choices) > 9:
                raise ValueError('each stage needs block choices in 1..9 '
                                 f'(one digit in the arch key), got '
                                 f'{tuple(choices)}.')
        self.blocks = tuple(tuple(sorted(c)) for c in blocks)
        self.searches_width = len(widen_factors) > 1
        stem_channels = stem_channels or stage_channels[0]
        if self.searches_width:
            self.body = OneShotMutableOP(
                candidates=nn.ModuleDict({
                    width_key(f):
                    nn.Sequential(
                        *self._make_layers(stem_channels, stage_channels, f))
                    for f in widen_factors
                }),
                alias='widen_factor')
        else:
            factor = widen_factors[0]
            self.stem, *stages = self._make_layers(stem_channels,
                                                   stage_channels, factor)
            self.stages = nn.ModuleList(stages)
        self.out_channels = stage_channels[-1]

    def _make_layers(self, stem_channels, stage_channels, factor):
        """The stem and the depth-searchable stages at one width factor."""
        widths = [int(c * factor) for c in stage_channels[:-1]]
        widths.append(stage_channels[-1])
        in_channels = int(stem_channels * factor)
        layers = [cifar_stem(in_channels)]
        for i, (choices, width) in enumerate(zip(self.blocks, widths)):
            layers.append(
                depth_searchable_stage(
                    make_stage(in_channels, width, max(choices),
                               1 if i == 0 else 2), choices,
                    f'stage{i + 1}_blocks'))
            in_channels = width
        return layers

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        if self.searches_width:
            return (self.body(x), )
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)
        return (x, )

    def encode(self, choices: Dict[str, object]) -> str:
        """``{'stage1_blocks': 5, ...}`` -> ``'557'`` (``'557-w075'`` with
        width choices)."""
        digits = ''.join(
            str(choices[f'stage{i + 1}_blocks'])
            for i in range(len(self.blocks)))
        if self.searches_width:
            return f'{digits}-{choices["widen_factor"]}'
        return digits

    def decode(self, arch: str) -> Dict[str, object]:
        """``'557'`` (or ``'557-w075'``) -> choices by alias."""
        digits, _, width = arch.partition('-')
        if not (digits.isdigit() and '0' not in digits
                and bool(width) == self.searches_width):
            form = ('one digit 1-9 per stage and -w<factor%> (e.g. '
                    '"557-w100")' if self.searches_width else
                    'one digit 1-9 per stage (e.g. "557")')
            raise ValueError(f'an S1 arch key is {form}, got {arch!r}.')
        choices = {
            f'stage{i + 1}_blocks': int(d)
            for i, d in enumerate(digits)
        }
        if width:
            choices['widen_factor'] = width
        return choices
