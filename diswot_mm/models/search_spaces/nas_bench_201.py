"""The NAS-Bench-201 cell search space (Dong and Yang, ICLR 2020), as an
mmrazor supernet and as fixed networks built from arch strings."""
import functools
import gzip
import os.path as osp
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmrazor.models.mutables import OneShotMutableOP

from diswot_mm.registry import MODELS
from .arch_codec import SearchSpaceMixin

OPS = ('none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3')
#: (to_node, from_node) of the 6 edges, in arch-string order.
EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
NUM_ARCHS = len(OPS)**len(EDGES)  # 15,625
ARCH_STRINGS_FILE = osp.join(
    osp.dirname(__file__), 'data', 'nb201_arch_strings.txt.gz')


class ReLUConvBN(nn.Sequential):
    """ReLU -> Conv2d (no bias) -> BatchNorm, as in NAS-Bench-201."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 stride: int, padding: int):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(
                in_channels,
                out_channels,
                kernel_size,
                stride,
                padding,
                bias=False), nn.BatchNorm2d(out_channels))


class Zero(nn.Module):
    """The ``none`` op: zeros of the input's shape."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.)


def make_op(name: str, channels: int) -> nn.Module:
    """One NAS-Bench-201 edge op on ``channels`` channels, stride 1."""
    if name == 'none':
        return Zero()
    if name == 'skip_connect':
        return nn.Identity()
    if name == 'nor_conv_1x1':
        return ReLUConvBN(channels, channels, 1, 1, 0)
    if name == 'nor_conv_3x3':
        return ReLUConvBN(channels, channels, 3, 1, 1)
    if name == 'avg_pool_3x3':
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ValueError(f'unknown NAS-Bench-201 op {name!r}; ops are {OPS}.')


class ResidualReduction(nn.Module):
    """NAS-Bench-201's reduction block between stages: two ReLUConvBN (the
    first with stride 2) plus an avg-pool + 1x1-conv shortcut."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv_a = ReLUConvBN(in_channels, out_channels, 3, 2, 1)
        self.conv_b = ReLUConvBN(out_channels, out_channels, 3, 1, 1)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
            nn.Conv2d(in_channels, out_channels, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class Cell(nn.Module):
    """A 4-node cell: node j = sum over i < j of op_{j<-i}(node i).

    Args:
        channels (int): Width of the cell.
        ops (Dict[str, str], optional): Op of each edge by alias
            (``edge_2_1``: node 1 -> node 2) for a fixed cell; None for a
            searchable cell whose edges are ``OneShotMutableOP`` with those
            aliases (shared by all cells).
    """

    def __init__(self, channels: int, ops: Optional[Dict[str, str]] = None):
        super().__init__()
        self.edges = nn.ModuleDict()
        for to, frm in EDGES:
            alias = f'edge_{to}_{frm}'
            if ops is None:
                self.edges[alias] = OneShotMutableOP(
                    candidates=nn.ModuleDict(
                        {op: make_op(op, channels)
                         for op in OPS}),
                    alias=alias)
            else:
                self.edges[alias] = make_op(ops[alias], channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for to in range(1, 4):
            nodes.append(
                sum(self.edges[f'edge_{to}_{frm}'](nodes[frm])
                    for frm in range(to)))
        return nodes[-1]


@MODELS.register_module()
class NASBench201(BaseBackbone, SearchSpaceMixin):
    """The NAS-Bench-201 cell network: a 3x3 stem conv of width C, three
    stages of ``num_cells`` cells (widths C, 2C, 4C) joined by residual
    reduction blocks, then BatchNorm + ReLU (the map that enters pooling).

    With ``arch=None`` it is an mmrazor supernet: each of the 6 edges is a
    ``OneShotMutableOP`` over the 5 ops, aliased ``edge_{to}_{from}`` and
    shared by every cell (15,625 candidates). With an arch string
    (``'|nor_conv_3x3~0|+|...~0|...~1|+|...~0|...~1|...~2|'``) it is that
    fixed network. Convert with :meth:`encode` / :meth:`decode` and
    :func:`arch_to_index` / :func:`index_to_arch`.

    Args:
        arch (str, optional): A fixed arch string. Defaults to None.
        channels (int): C. Defaults to 16.
        num_cells (int): Cells per stage (N). Defaults to 5.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 arch: Optional[str] = None,
                 channels: int = 16,
                 num_cells: int = 5,
                 init_cfg: dict = None):
        super().__init__(init_cfg)
        ops = None if arch is None else self.decode(arch)
        self.stem = nn.Sequential(
            nn.Conv2d(3, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels))
        layers: List[nn.Module] = []
        width = channels
        for stage in range(3):
            if stage > 0:
                layers.append(ResidualReduction(width, width * 2))
                width *= 2
            layers.extend(Cell(width, ops) for _ in range(num_cells))
        self.cells = nn.Sequential(*layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(width), nn.ReLU())
        self.out_channels = width

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (self.lastact(self.cells(self.stem(x))), )

    @staticmethod
    def encode(choices: Dict[str, str]) -> str:
        """``{'edge_1_0': 'nor_conv_3x3', ...}`` -> the arch string."""
        nodes = []
        for to in range(1, 4):
            nodes.append('|' + '|'.join(f'{choices[f"edge_{to}_{frm}"]}~{frm}'
                                        for frm in range(to)) + '|')
        return '+'.join(nodes)

    @staticmethod
    def decode(arch: str) -> Dict[str, str]:
        """The arch string -> ``{'edge_1_0': op, ...}``; clear error if it
        is not a NAS-Bench-201 string."""
        choices = {}
        nodes = arch.split('+')
        if len(nodes) != 3:
            raise ValueError(f'a NAS-Bench-201 arch string has 3 nodes '
                             f'joined by "+", got {arch!r}.')
        for to, node in enumerate(nodes, start=1):
            edges = node.strip('|').split('|')
            if len(edges) != to:
                raise ValueError(f'node {to} of {arch!r} needs {to} edges.')
            for frm, edge in enumerate(edges):
                op, _, src = edge.partition('~')
                if op not in OPS or src != str(frm):
                    raise ValueError(
                        f'bad edge {edge!r} in {arch!r}: expected '
                        f'"<op>~{frm}" with op in {OPS}.')
                choices[f'edge_{to}_{frm}'] = op
        return choices


@functools.lru_cache(maxsize=1)
def arch_strings() -> Tuple[str, ...]:
    """The 15,625 arch strings in the benchmark's index order."""
    with gzip.open(ARCH_STRINGS_FILE, 'rt') as f:
        strings = tuple(line.strip() for line in f if line.strip())
    if len(strings) != NUM_ARCHS:
        raise RuntimeError(f'{ARCH_STRINGS_FILE} has {len(strings)} arch '
                           f'strings, expected {NUM_ARCHS}.')
    return strings


@functools.lru_cache(maxsize=1)
def _index_of() -> Dict[str, int]:
    return {s: i for i, s in enumerate(arch_strings())}


def index_to_arch(index: int) -> str:
    """Benchmark index (0..15624) -> arch string."""
    if not 0 <= index < NUM_ARCHS:
        raise IndexError(f'NAS-Bench-201 indices are 0..{NUM_ARCHS - 1}, '
                         f'got {index}.')
    return arch_strings()[index]


def arch_to_index(arch: str) -> int:
    """Arch string -> benchmark index."""
    NASBench201.decode(arch)  # clear error for malformed strings
    return _index_of()[arch]
