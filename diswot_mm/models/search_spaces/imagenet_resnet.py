"""An ImageNet search space seeded from ResNet18: per-stage depth, width
multiplier and per-block kernel size."""
from typing import Dict, Sequence, Tuple

import torch
import torch.nn as nn
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmrazor.models.mutables import OneShotMutableOP

from diswot_mm.models.backbones.resnet_cifar import BasicBlock
from diswot_mm.registry import MODELS
from .arch_codec import SearchSpaceMixin
from .utils import depth_searchable_stage, width_key


class _Body(nn.Module):
    """Stem and four stages at one width multiplier; depth and kernel
    mutables carry the aliases shared by every multiplier's body."""

    def __init__(self, factor: float, depths, kernels, base_channels):
        super().__init__()
        widths = [int(c * factor) for c in base_channels[:-1]]
        widths.append(base_channels[-1])  # the head's input width is fixed
        self.stem = nn.Sequential(
            nn.Conv2d(3, widths[0], 7, 2, 3, bias=False),
            nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2, 1))
        self.stages = nn.ModuleList()
        in_channels = widths[0]
        for i, (choices, width) in enumerate(zip(depths, widths)):
            blocks = []
            for j in range(max(choices)):
                block_in = in_channels if j == 0 else width
                stride = (1 if i == 0 else 2) if j == 0 else 1
                blocks.append(
                    OneShotMutableOP(
                        candidates=nn.ModuleDict({
                            f'k{k}':
                            BasicBlock(block_in, width, stride, k)
                            for k in kernels
                        }),
                        alias=f'stage{i + 1}_block{j + 1}_kernel'))
            self.stages.append(
                depth_searchable_stage(blocks, choices,
                                       f'stage{i + 1}_blocks'))
            in_channels = width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)
        return x


@MODELS.register_module()
class SearchableImageNetResNet(BaseBackbone, SearchSpaceMixin):
    """ResNet18-seeded ImageNet supernet (224 input).

    Searchable: the width multiplier of the stem and the first three stages
    (alias ``widen_factor``; the last stage keeps ``base_channels[-1]`` so
    that the linear head, and the "grad" semantic metric, see a fixed
    width), the BasicBlocks per stage (``stage{i}_blocks``) and the kernel of
    each block (``stage{i}_block{j}_kernel``: ``k3``, ``k5``, ``k7``).
    ResNet18 is ``w100-2222-k3...``. Arch keys: ``w{factor%}-{depths}-
    {kernels of every block slot}``, e.g. ``w075-1232-355...``.

    Args:
        depths (Sequence[Sequence[int]]): Depth choices per stage. Defaults
            to ``((1, 2, 3),) * 4``.
        kernels (Sequence[int]): Kernel choices. Defaults to (3, 5, 7).
        widen_factors (Sequence[float]): Width multipliers. Defaults to
            (0.5, 0.75, 1.0).
        base_channels (Sequence[int]): ResNet18 widths. Defaults to
            (64, 128, 256, 512).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 depths: Sequence[Sequence[int]] = ((1, 2, 3), ) * 4,
                 kernels: Sequence[int] = (3, 5, 7),
                 widen_factors: Sequence[float] = (0.5, 0.75, 1.0),
                 base_channels: Sequence[int] = (64, 128, 256, 512),
                 init_cfg: dict = None):
        super().__init__(init_cfg)
        if len(depths) != len(base_channels):
            raise ValueError(f'depths has {len(depths)} stages but '
                             f'base_channels {len(base_channels)}.')
        self.depths = tuple(tuple(sorted(d)) for d in depths)
        self.body = OneShotMutableOP(
            candidates=nn.ModuleDict({
                width_key(f):
                _Body(f, self.depths, kernels, base_channels)
                for f in widen_factors
            }),
            alias='widen_factor')
        self.out_channels = base_channels[-1]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (self.body(x), )

    def encode(self, choices: Dict[str, object]) -> str:
        """Choices by alias -> ``'w075-1232-357...'``."""
        depth = ''.join(
            str(choices[f'stage{i + 1}_blocks'])
            for i in range(len(self.depths)))
        kernels = ''.join(choices[f'stage{i + 1}_block{j + 1}_kernel'][1:]
                          for i, d in enumerate(self.depths)
                          for j in range(max(d)))
        return f'{choices["widen_factor"]}-{depth}-{kernels}'

    def decode(self, arch: str) -> Dict[str, object]:
        """``'w075-1232-357...'`` -> choices by alias."""
        try:
            width, depth, kernels = arch.split('-')
            choices = {'widen_factor': width}
            for i, d in enumerate(depth):
                choices[f'stage{i + 1}_blocks'] = int(d)
            slots = [(i, j) for i, d in enumerate(self.depths)
                     for j in range(max(d))]
            if len(kernels) != len(slots) or len(depth) != len(self.depths):
                raise ValueError
            for (i, j), k in zip(slots, kernels):
                choices[f'stage{i + 1}_block{j + 1}_kernel'] = f'k{k}'
        except ValueError:
            raise ValueError(
                f'an ImageNet-space arch key is "w<factor%>-<blocks per '
                f'stage>-<kernel of each block slot>", got {arch!r}.')
        return choices
