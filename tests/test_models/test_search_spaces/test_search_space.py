"""SearchSpace: the names, choices and scored networks the search loop and
the rank tool share."""
import pytest
import torch
from conftest import REPO
from mmengine.config import Config

from diswot_mm.models.search_spaces import SearchSpace
from diswot_mm.registry import TASK_UTILS, build_in_scope


def space_of(config):
    return SearchSpace(
        build_in_scope(Config.fromfile(f'{REPO}/{config}').model))


def test_names_round_trip_and_scores_are_the_selected_network():
    space = space_of('configs/_base_/models/s1_cifar_resnet_supernet.py')
    choices = space.choices_of('537')
    assert space.arch_of(choices) == '537'
    params = build_in_scope(dict(type='ParamsEstimator'), TASK_UTILS)
    counted = {
        arch: space.score(params, arch)['params']
        for arch in ('111', '537', '777')
    }
    assert counted['111'] < counted['537'] < counted['777']
    space.select('537')
    network = space.network()
    assert network is space.model  # S1: depth and width run unsliced
    with torch.no_grad():
        out = network.architecture(torch.zeros(1, 3, 32, 32), mode='tensor')
    assert out.shape == (1, 100)


def test_a_model_without_a_mutator_is_a_type_error():
    cfg = Config.fromfile(f'{REPO}/configs/_base_/models/resnet20_cifar.py')
    with pytest.raises(TypeError, match='mmrazor algorithm with a mutator'):
        SearchSpace(build_in_scope(cfg.model))
