"""Wide ResNets for CIFAR (Zagoruyko and Komodakis, 2016), as in RepDistiller:
WRN-16-2, WRN-40-1, WRN-40-2 and any WRN-d-k."""
from typing import Tuple

import torch
import torch.nn as nn
from mmpretrain.models.backbones.base_backbone import BaseBackbone

from diswot_mm.registry import MODELS


class PreActBlock(nn.Module):
    """BN-ReLU-conv3x3 twice; a 1x1 conv shortcut when the shape changes."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(
            in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Conv2d(
                in_channels, out_channels, 1, stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = self.relu(self.bn1(x))
        out = self.conv2(self.relu(self.bn2(self.conv1(pre))))
        return out + (x if self.shortcut is None else self.shortcut(pre))


@MODELS.register_module()
class WideResNetCIFAR(BaseBackbone):
    """WRN-depth-widen: a 3x3 stem (16), three stages of (depth - 4) / 6
    pre-activation blocks of widths 16k, 32k, 64k, then BN + ReLU (the map
    that enters pooling).

    Args:
        depth (int): 6n + 4, e.g. 16 or 40. Defaults to 16.
        widen_factor (int): k. Defaults to 2.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 depth: int = 16,
                 widen_factor: int = 2,
                 init_cfg: dict = None):
        super().__init__(init_cfg)
        if (depth - 4) % 6 != 0:
            raise ValueError(f'WRN depth must be 6n + 4, got {depth}.')
        blocks = (depth - 4) // 6
        widths = [16 * widen_factor, 32 * widen_factor, 64 * widen_factor]
        self.stem = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        layers, in_channels = [], 16
        for i, width in enumerate(widths):
            for j in range(blocks):
                layers.append(
                    PreActBlock(in_channels, width,
                                2 if i > 0 and j == 0 else 1))
                in_channels = width
        self.blocks = nn.Sequential(*layers)
        self.final = nn.Sequential(
            nn.BatchNorm2d(in_channels), nn.ReLU(inplace=True))
        self.out_channels = in_channels

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (self.final(self.blocks(self.stem(x))), )
