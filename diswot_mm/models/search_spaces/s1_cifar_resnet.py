"""Search space S1 of DisWOT: CIFAR ResNets with a searchable number of
BasicBlocks per stage."""
from typing import Dict, Sequence, Tuple

import torch
import torch.nn as nn
from mmpretrain.models.backbones.base_backbone import BaseBackbone

from diswot_mm.models.backbones.resnet_cifar import cifar_stem, make_stage
from diswot_mm.registry import MODELS

from .utils import depth_searchable_stage


@MODELS.register_module()
class SearchableCIFARResNet(BaseBackbone):
    """CIFAR ResNet supernet whose stages have a searchable depth.

    Stage i holds ``max(blocks[i])`` BasicBlocks in a mmrazor
    ``DynamicSequential`` whose depth is a ``OneShotMutableValue`` with alias
    ``stage{i+1}_blocks``; only the first ``depth`` blocks run. The default,
    blocks in {1, 3, 5, 7} for each of the three stages of widths 16/32/64,
    is the paper's S1 (64 students). A candidate is named by its digits:
    ``'557'`` = 5, 5, 7 blocks; ``'333'`` is ResNet20. A fixed subnet
    exports to a plain ``Sequential`` per stage with the same parameter names
    as :class:`CIFARResNet`.

    Args:
        blocks (Sequence[Sequence[int]]): Depth choices of each stage.
            Defaults to ``((1, 3, 5, 7),) * 3``.
        stage_channels (Sequence[int]): Width of each stage. Defaults to
            ``(16, 32, 64)``.
        stem_channels (int, optional): Width of the stem conv. Defaults to
            the first stage width.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 blocks: Sequence[Sequence[int]] = ((1, 3, 5, 7), ) * 3,
                 stage_channels: Sequence[int] = (16, 32, 64),
                 stem_channels: int = None,
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
        stem_channels = stem_channels or stage_channels[0]
        self.stem = cifar_stem(stem_channels)
        self.stages = nn.ModuleList()
        in_channels = stem_channels
        for i, (choices, width) in enumerate(zip(self.blocks,
                                                 stage_channels)):
            self.stages.append(
                depth_searchable_stage(
                    make_stage(in_channels, width, max(choices),
                               1 if i == 0 else 2), choices,
                    f'stage{i + 1}_blocks'))
            in_channels = width
        self.out_channels = in_channels

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)
        return (x, )

    @staticmethod
    def encode(choices: Dict[str, int]) -> str:
        """``{'stage1_blocks': 5, ...}`` -> ``'557'``."""
        return ''.join(
            str(choices[f'stage{i + 1}_blocks']) for i in range(len(choices)))

    @staticmethod
    def decode(arch: str) -> Dict[str, int]:
        """``'557'`` -> ``{'stage1_blocks': 5, ...}``."""
        if not (arch.isdigit() and '0' not in arch):
            raise ValueError(f'an S1 arch key is one digit 1-9 per stage '
                             f'(e.g. "557"), got {arch!r}.')
        return {f'stage{i + 1}_blocks': int(d) for i, d in enumerate(arch)}
