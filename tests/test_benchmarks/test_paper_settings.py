"""benchmarks.paper_settings: the rank config's AZ-NAS and SWAP changed only
as each setting says (official inputs, init, averaged initialisations)."""
import pytest
import torch
from mmengine.config import Config

from benchmarks.common import repo_path
from benchmarks.paper_settings import SETTINGS, build_estimator, score_setting
from diswot_mm.models.search_spaces import SearchSpace
from diswot_mm.registry import build_in_scope

CELLS = [
    '|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+'
    '|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_3x3~2|',
    '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+'
    '|nor_conv_1x1~0|skip_connect~1|skip_connect~2|',
]


@pytest.fixture(scope='module')
def cfg():
    return Config.fromfile(repo_path('configs/rank_nb201_cifar10.py'))


@pytest.fixture(scope='module')
def space(cfg):
    return SearchSpace(build_in_scope(cfg.model))


def test_each_setting_changes_only_what_it_names(cfg):
    ours = build_estimator(cfg, 'az_nas', SETTINGS['az_nas']['ours'], 0)
    assert tuple(ours.inputs.shape) == (20, 3, 32, 32)  # the real images
    official = build_estimator(cfg, 'az_nas', SETTINGS['az_nas']['official'],
                               0)
    noise = torch.randn(
        64, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    assert torch.equal(official.inputs, noise)  # AZ-NAS's randn(64, ...)
    assert official.init == ours.init == 'kaiming_fan_in'
    swap = build_estimator(cfg, 'swap', SETTINGS['swap']['official'], 0)
    real = build_estimator(cfg, 'swap', SETTINGS['swap']['ours'], 0)
    assert torch.equal(swap.inputs, real.inputs[:16])
    assert swap.init == 'gaussian' and real.init == 'default'


def test_repeats_average_separately_initialised_scores(cfg, space):
    estimator = build_estimator(cfg, 'swap', dict(init='gaussian'), 0)
    arch = CELLS[0]
    averaged, = score_setting(space, estimator, [arch], repeats=2)
    space.select(arch)
    runs = [
        estimator.score(space.network(), key=key)['swap']
        for key in (arch, f'{arch}#1')
    ]
    assert runs[0] != runs[1]  # two initialisations, not one
    assert averaged == pytest.approx(sum(runs) / 2)


def test_a_population_relative_score_is_combined_over_the_cells(cfg, space):
    estimator = build_estimator(cfg, 'az_nas', dict(noise=4), 0)
    scores = score_setting(space, estimator, CELLS, repeats=1)
    # AZ-NAS alone is a placeholder 0; combined: sum of log(rank / N)
    assert len(set(scores)) == 2 and max(scores) <= 0
