"""MobileNetV2 for CIFAR as in RepDistiller (``mobile_half``: width 0.5)."""
from typing import Tuple

import torch
import torch.nn as nn
from mmpretrain.models.backbones.base_backbone import BaseBackbone

from diswot_mm.registry import MODELS


def conv_bn_relu(in_channels: int,
                 out_channels: int,
                 kernel: int,
                 stride: int,
                 groups: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(
            in_channels,
            out_channels,
            kernel,
            stride,
            kernel // 2,
            groups=groups,
            bias=False), nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class InvertedResidual(nn.Module):
    """1x1 expand, 3x3 depthwise, 1x1 linear projection; residual when the
    shape is kept."""

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 expand_ratio: int):
        super().__init__()
        hidden = in_channels * expand_ratio
        self.use_residual = stride == 1 and in_channels == out_channels
        self.conv = nn.Sequential(
            conv_bn_relu(in_channels, hidden, 1, 1),
            conv_bn_relu(hidden, hidden, 3, stride, groups=hidden),
            nn.Conv2d(hidden, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        return x + out if self.use_residual else out


@MODELS.register_module()
class MobileNetV2CIFAR(BaseBackbone):
    """RepDistiller's CIFAR MobileNetV2: stride-2 stem, inverted residual
    stages (t, c, n, s) = (1,16,1,1) (6,24,2,1) (6,32,3,2) (6,64,4,2)
    (6,96,3,1) (6,160,3,2) (6,320,1,1) with widths scaled by
    ``widen_factor``, and a 1x1 conv to 1280 channels (2x2 map at 32x32).

    Args:
        widen_factor (float): Width multiplier. Defaults to 0.5
            (``mobile_half``, the CIFAR-100 student of RepDistiller).
        init_cfg (dict, optional): Initialisation config.
    """
    settings = ((1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2),
                (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))

    def __init__(self, widen_factor: float = 0.5, init_cfg: dict = None):
        super().__init__(init_cfg)
        in_channels = int(32 * widen_factor)
        layers = [conv_bn_relu(3, in_channels, 3, 2)]
        for t, c, n, s in self.settings:
            out_channels = int(c * widen_factor)
            for i in range(n):
                layers.append(
                    InvertedResidual(in_channels, out_channels,
                                     s if i == 0 else 1, t))
                in_channels = out_channels
        last = int(1280 * widen_factor) if widen_factor > 1.0 else 1280
        layers.append(conv_bn_relu(in_channels, last, 1, 1))
        self.features = nn.Sequential(*layers)
        self.out_channels = last

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (self.features(x), )
