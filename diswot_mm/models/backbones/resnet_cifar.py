"""The CIFAR ResNet family used by CIFAR-100 distillation work (RepDistiller)
and by the DisWOT search space S1."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule, Sequential
from mmpretrain.models.backbones.base_backbone import BaseBackbone

from diswot_mm.registry import MODELS


class BasicBlock(BaseModule):
    """Two conv-BN layers (3x3 by default) with a residual connection.

    The shortcut is a 1x1 conv + BN when the stride or the width changes
    (RepDistiller's "option B"), the identity otherwise.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride of the first conv. Defaults to 1.
        kernel_size (int): Kernel of both convs (odd). Defaults to 3.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int = 1,
                 kernel_size: int = 3):
        super().__init__()
        pad = kernel_size // 2
        self.conv1 = nn.Conv2d(
            in_channels, out_channels, kernel_size, stride, pad, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(
            out_channels, out_channels, kernel_size, 1, pad, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


def cifar_stem(channels: int) -> nn.Sequential:
    """3x3 conv (stride 1) + BN + ReLU: the CIFAR ResNet stem."""
    return nn.Sequential(
        nn.Conv2d(3, channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(channels), nn.ReLU(inplace=True))


def make_stage(in_channels: int, out_channels: int, num_blocks: int,
               stride: int) -> Sequential:
    """``num_blocks`` BasicBlocks; the first one carries the stride."""
    return Sequential(*[
        BasicBlock(in_channels if i == 0 else out_channels, out_channels,
                   stride if i == 0 else 1) for i in range(num_blocks)
    ])


@MODELS.register_module()
class CIFARResNet(BaseBackbone):
    """CIFAR ResNet: a 3x3 stem conv and three stages of BasicBlocks.

    ``resnet{6n+2}`` has n blocks per stage of widths 16/32/64 (ResNet20:
    n=3, ~0.27 M params with a 100-class head); ``resnet8x4`` and
    ``resnet32x4`` are the 4x wider teachers of RepDistiller (stem 32,
    stages 64/128/256). Pass ``arch`` by name, or ``stage_blocks`` and
    ``stage_channels`` for any other member (e.g. the S1 student ``557``).

    Args:
        arch (str): One of :attr:`arch_settings`. Ignored when
            ``stage_blocks`` is given. Defaults to ``'resnet20'``.
        stage_blocks (Sequence[int], optional): Blocks in each stage.
        stage_channels (Sequence[int]): Width of each stage, used with
            ``stage_blocks``. Defaults to ``(16, 32, 64)``.
        stem_channels (int, optional): Width of the stem conv. Defaults to
            the first stage width.
        out_indices (Sequence[int]): Stages whose outputs are returned.
            Defaults to ``(2,)`` (the feature map before pooling).
        init_cfg (dict, optional): Initialisation config.
    """
    arch_settings = {
        **{
            f'resnet{6 * n + 2}': ((n, n, n), (16, 32, 64), 16)
            for n in (1, 2, 3, 5, 7, 9, 18)
        },
        'resnet8x4': ((1, 1, 1), (64, 128, 256), 32),
        'resnet32x4': ((5, 5, 5), (64, 128, 256), 32),
    }

    def __init__(self,
                 arch: str = 'resnet20',
                 stage_blocks: Sequence[int] = None,
                 stage_channels: Sequence[int] = (16, 32, 64),
                 stem_channels: int = None,
                 out_indices: Sequence[int] = (2, ),
                 init_cfg: dict = None):
        super().__init__(init_cfg)
        if stage_blocks is None:
            if arch not in self.arch_settings:
                raise KeyError(f'CIFARResNet supports arch in '
                               f'{sorted(self.arch_settings)}, but got '
                               f'{arch!r}; or pass stage_blocks.')
            stage_blocks, stage_channels, stem_channels = \
                self.arch_settings[arch]
        if len(stage_blocks) != len(stage_channels):
            raise ValueError(
                f'stage_blocks {tuple(stage_blocks)} and stage_channels '
                f'{tuple(stage_channels)} must have the same length.')
        for index in out_indices:
            if not 0 <= index < len(stage_blocks):
                raise ValueError(f'out_indices {tuple(out_indices)} must be '
                                 f'in [0, {len(stage_blocks)}).')
        self.stage_blocks = tuple(stage_blocks)
        self.out_indices = tuple(out_indices)
        stem_channels = stem_channels or stage_channels[0]
        self.stem = cifar_stem(stem_channels)
        self.stages = nn.ModuleList()
        in_channels = stem_channels
        for i, (blocks, width) in enumerate(zip(stage_blocks, stage_channels)):
            self.stages.append(
                make_stage(in_channels, width, blocks, 1 if i == 0 else 2))
            in_channels = width
        self.out_channels = in_channels

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        x = self.stem(x)
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
