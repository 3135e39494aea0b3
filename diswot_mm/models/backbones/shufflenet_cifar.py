"""ShuffleNetV1 / V2 for CIFAR as in RepDistiller (the CIFAR-100 students
ShuffleV1 and ShuffleV2)."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.models.utils import channel_shuffle

from diswot_mm.registry import MODELS


def conv_bn(in_channels: int,
            out_channels: int,
            kernel: int,
            stride: int = 1,
            groups: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(
            in_channels,
            out_channels,
            kernel,
            stride,
            kernel // 2,
            groups=groups,
            bias=False), nn.BatchNorm2d(out_channels))


class ShuffleV1Unit(nn.Module):
    """Group 1x1 conv, channel shuffle, 3x3 depthwise, group 1x1 conv; added
    to the input, or concatenated to its 3x3 average pool when stride 2."""

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 groups: int):
        super().__init__()
        mid = out_channels // 4
        self.first_groups = 1 if in_channels == 24 else groups
        self.stride = stride
        self.conv1 = conv_bn(in_channels, mid, 1, groups=self.first_groups)
        self.conv2 = conv_bn(mid, mid, 3, stride, groups=mid)
        self.conv3 = conv_bn(mid, out_channels, 1, groups=groups)
        self.shortcut = nn.AvgPool2d(3, 2, 1) if stride == 2 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = channel_shuffle(F.relu(self.conv1(x)), self.first_groups)
        out = self.conv3(F.relu(self.conv2(out)))
        if self.shortcut is None:
            return F.relu(out + x)
        return F.relu(torch.cat([out, self.shortcut(x)], 1))


@MODELS.register_module()
class ShuffleNetV1CIFAR(BaseBackbone):
    """ShuffleNetV1 (groups 3, widths 240/480/960, 4/8/4 units) on a 1x1
    stem of 24 channels; a 32x32 input leaves a 4x4x960 map.

    Args:
        out_channels (Sequence[int]): Stage widths. Defaults to
            (240, 480, 960).
        num_blocks (Sequence[int]): Units per stage. Defaults to (4, 8, 4).
        groups (int): Groups of the 1x1 convs. Defaults to 3.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 out_channels: Sequence[int] = (240, 480, 960),
                 num_blocks: Sequence[int] = (4, 8, 4),
                 groups: int = 3,
                 init_cfg: dict = None):
        super().__init__(init_cfg)
        self.stem = nn.Sequential(conv_bn(3, 24, 1), nn.ReLU(inplace=True))
        units, in_channels = [], 24
        for width, blocks in zip(out_channels, num_blocks):
            for i in range(blocks):
                # stride-2 units concatenate their input: produce the rest
                produced = width - in_channels if i == 0 else width
                units.append(
                    ShuffleV1Unit(in_channels, produced, 2 if i == 0 else 1,
                                  groups))
                in_channels = width
        self.units = nn.Sequential(*units)
        self.out_channels = in_channels

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (self.units(self.stem(x)), )


class ShuffleV2Unit(nn.Module):
    """Half the channels pass, the other half go through 1x1, 3x3 depthwise
    and 1x1 convs; concatenated and shuffled."""

    def __init__(self, channels: int):
        super().__init__()
        half = channels // 2
        self.branch = nn.Sequential(
            conv_bn(half, half, 1), nn.ReLU(inplace=True),
            conv_bn(half, half, 3, groups=half), conv_bn(half, half, 1),
            nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        keep, transform = x.chunk(2, dim=1)
        return channel_shuffle(torch.cat([keep, self.branch(transform)], 1), 2)


class ShuffleV2Down(nn.Module):
    """Stride-2 unit: two branches of out_channels / 2, concatenated and
    shuffled."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        mid = out_channels // 2
        self.left = nn.Sequential(
            conv_bn(in_channels, in_channels, 3, 2, groups=in_channels),
            conv_bn(in_channels, mid, 1), nn.ReLU(inplace=True))
        self.right = nn.Sequential(
            conv_bn(in_channels, mid, 1), nn.ReLU(inplace=True),
            conv_bn(mid, mid, 3, 2, groups=mid), conv_bn(mid, mid, 1),
            nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channel_shuffle(torch.cat([self.left(x), self.right(x)], 1), 2)


@MODELS.register_module()
class ShuffleNetV2CIFAR(BaseBackbone):
    """ShuffleNetV2 1x (widths 116/232/464, 3/7/3 units after each
    down-sampling unit, a 1x1 conv to 1024) on a 3x3 stem of 24 channels;
    a 32x32 input leaves a 4x4x1024 map.

    Args:
        out_channels (Sequence[int]): Stage widths and the final width.
            Defaults to (116, 232, 464, 1024).
        num_blocks (Sequence[int]): Units per stage after the down-sampling
            unit. Defaults to (3, 7, 3).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 out_channels: Sequence[int] = (116, 232, 464, 1024),
                 num_blocks: Sequence[int] = (3, 7, 3),
                 init_cfg: dict = None):
        super().__init__(init_cfg)
        self.stem = nn.Sequential(conv_bn(3, 24, 3), nn.ReLU(inplace=True))
        units, in_channels = [], 24
        for width, blocks in zip(out_channels[:-1], num_blocks):
            units.append(ShuffleV2Down(in_channels, width))
            units.extend(ShuffleV2Unit(width) for _ in range(blocks))
            in_channels = width
        self.units = nn.Sequential(*units)
        self.final = nn.Sequential(
            conv_bn(in_channels, out_channels[-1], 1), nn.ReLU(inplace=True))
        self.out_channels = out_channels[-1]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (self.final(self.units(self.stem(x))), )
