"""A search builds its minibatch data set once: the check before the
Runner, the loop's sample-fallback check and the estimator share it."""
import time

import torch
from conftest import REPO
from mmengine.config import Config

from diswot_mm.apis.cli import run_search
from diswot_mm.datasets import CIFARSamples, dataset_cache, describe_minibatch
from diswot_mm.datasets.fashion_mnist import FASHION_MNIST_ROOT
from diswot_mm.datasets.minibatch import load_minibatch
from diswot_mm.registry import DATASETS


@DATASETS.register_module(force=True)
class CountedSamples(CIFARSamples):
    """Test stand-in: the embedded sample, counting its constructions."""
    built = 0

    def __init__(self, **kwargs):
        type(self).built += 1
        super().__init__(**kwargs)


LOADER = dict(
    batch_size=8,
    dataset=dict(
        type='CountedSamples', pipeline=[dict(type='mmpretrain.PackInputs')]))


def test_a_search_builds_its_data_set_once(tmp_path):
    cfg = Config.fromfile(f'{REPO}/configs/diswot_cifar100.py')
    cfg.train_cfg.pop('estimator')
    cfg.train_cfg.update(
        score_key='naswot',
        max_epochs=1,
        num_candidates=2,
        top_k=1,
        estimator=dict(type='NASWOTEstimator', dataloader=LOADER))
    cfg.work_dir = str(tmp_path)
    cfg.experiment_name = f'builds_{time.time_ns()}'
    cfg.distill_configs = {}
    CountedSamples.built = 0
    best = run_search(cfg)
    assert best['arch']
    assert CountedSamples.built == 1  # was 3: check, loop, estimator


def test_the_cache_lives_only_inside_its_context():
    CountedSamples.built = 0
    with dataset_cache():
        first, _ = load_minibatch(LOADER)
        with dataset_cache():  # nested: the outer cache
            again, _ = load_minibatch(LOADER)
        assert CountedSamples.built == 1
        assert first.equal(again)
        load_minibatch(
            dict(LOADER, dataset=dict(LOADER['dataset'], subset='cifar10')))
        assert CountedSamples.built == 2  # another config: its own build
    load_minibatch(LOADER)
    assert CountedSamples.built == 3  # outside: built afresh


def test_the_description_names_a_default_data_root():
    """A config relying on its class's default root (FashionMNIST32's
    system folder; mmpretrain's CIFAR100 has none) is described with it,
    not as root None."""
    inputs = torch.zeros(4, 3, 32, 32)

    def root(dataset):
        return describe_minibatch(dict(dataset=dataset), inputs)['data_root']

    assert root(dict(type='FashionMNIST32')) == FASHION_MNIST_ROOT
    assert root(dict(type='FashionMNIST32', data_root='/mine')) == '/mine'
    assert root(dict(type='mmpretrain.CIFAR100', data_root='d')) == 'd'
    assert root(dict(type='mmpretrain.CIFAR100')) == ''
    assert root(
        dict(type='CIFARSamples')) == ('diswot_mm/datasets/cifar_samples')
