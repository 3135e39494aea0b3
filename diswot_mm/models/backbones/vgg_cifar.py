"""VGG with BatchNorm for CIFAR, as in RepDistiller (VGG-8, VGG-11, VGG-13,
VGG-16, VGG-19)."""
from typing import Tuple

import torch
import torch.nn as nn
from mmpretrain.models.backbones.base_backbone import BaseBackbone

from diswot_mm.registry import MODELS


@MODELS.register_module()
class VGGCIFAR(BaseBackbone):
    """Five groups of conv3x3-BN-ReLU (widths 64/128/256/512/512); 2x2 max
    pooling after the first three groups, so a 32x32 input leaves a 4x4x512
    map for global pooling.

    Args:
        depth (int): 8, 11, 13, 16 or 19. Defaults to 13.
        init_cfg (dict, optional): Initialisation config.
    """
    arch_settings = {
        8: (1, 1, 1, 1, 1),
        11: (1, 1, 2, 2, 2),
        13: (2, 2, 2, 2, 2),
        16: (2, 2, 3, 3, 3),
        19: (2, 2, 4, 4, 4),
    }
    widths = (64, 128, 256, 512, 512)

    def __init__(self, depth: int = 13, init_cfg: dict = None):
        super().__init__(init_cfg)
        if depth not in self.arch_settings:
            raise KeyError(f'VGGCIFAR supports depth in '
                           f'{sorted(self.arch_settings)}, got {depth}.')
        layers, in_channels = [], 3
        for group, (convs, width) in enumerate(
                zip(self.arch_settings[depth], self.widths)):
            for _ in range(convs):
                layers += [
                    nn.Conv2d(in_channels, width, 3, padding=1),
                    nn.BatchNorm2d(width),
                    nn.ReLU(inplace=True)
                ]
                in_channels = width
            if group < 3:
                layers.append(nn.MaxPool2d(2, 2))
        self.features = nn.Sequential(*layers)
        self.out_channels = in_channels

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (self.features(x), )
