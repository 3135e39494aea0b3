"""A search builds its minibatch data set once: the check before the
Runner, the loop's sample-fallback check and the estimator share it."""
import time

from conftest import REPO
from mmengine.config import Config

from diswot_mm.datasets import CIFARSamples, dataset_cache
from diswot_mm.datasets.minibatch import load_minibatch
from diswot_mm.registry import DATASETS
from diswot_mm.utils.cli import run_search


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
