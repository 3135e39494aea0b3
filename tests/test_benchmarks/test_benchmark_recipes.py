"""The benchmarks read their recipes from the configs, from any working
directory."""
import pytest
from mmengine.config import Config

from benchmarks import fmnist_s1_kd_ground_truth as ground_truth
from benchmarks.common import repo_path


def test_ground_truth_recipe_is_the_kd_config_as_documented(
        tmp_path, monkeypatch):
    """The recipe of fmnist_s1_kd_ground_truth's own loop, read from
    configs/e2e/distill_kd_fmnist.py, is the one its docstring states (and
    its committed ground truth was trained with): normalisation 56.7 / 85.1,
    crop padding 2, batch 64, SGD lr 0.05 momentum 0.9 weight decay 5e-4,
    0.1 CE + 0.9 KL at T = 4."""
    monkeypatch.chdir(tmp_path)  # repository paths do not use the cwd
    recipe = ground_truth.kd_recipe(
        Config.fromfile(repo_path(ground_truth.STUDENT_CFG)))
    assert recipe == dict(
        mean=56.7,
        std=85.1,
        padding=2,
        batch_size=64,
        lr=0.05,
        momentum=0.9,
        weight_decay=5e-4,
        kl=dict(type='KLDivergence', tau=4, loss_weight=0.9),
        ce_weight=0.1)
    for number in ('56.7', '85.1', 'padding 2', 'batch 64', 'lr 0.05',
                   'momentum 0.9', 'weight decay 5e-4', '0.1 CE + 0.9 KL',
                   'T=4'):
        assert number in ' '.join(ground_truth.__doc__.split())


def test_ground_truth_refuses_a_recipe_its_loop_does_not_run():
    cfg = Config.fromfile(repo_path(ground_truth.STUDENT_CFG))
    cfg.optim_wrapper.optimizer.type = 'AdamW'
    with pytest.raises(ValueError, match='plain SGD'):
        ground_truth.kd_recipe(cfg)
    cfg = Config.fromfile(repo_path(ground_truth.STUDENT_CFG))
    cfg.model.data_preprocessor.mean = [56.7, 50.0, 56.7]
    with pytest.raises(ValueError, match='channels alike'):
        ground_truth.kd_recipe(cfg)


def test_kd_gain_summary_by_hand():
    runs = [
        dict(arch='111', seed=0, loss='kd', top1=80.0),
        dict(arch='111', seed=0, loss='vanilla', top1=79.0),
        dict(arch='111', seed=1, loss='kd', top1=81.0),
        dict(arch='111', seed=1, loss='vanilla', top1=78.0),
        dict(arch='333', seed=0, loss='kd', top1=85.0),
        dict(arch='333', seed=0, loss='vanilla', top1=86.0),
        dict(arch='333', seed=1, loss='kd', top1=86.0),
        dict(arch='333', seed=1, loss='vanilla', top1=84.0),
        dict(arch='777', seed=0, loss='kd', top1=90.0),  # no vanilla: out
    ]
    # 111: gains 1, 3 (mean 2, both > 0); 333: -1, 2 (mean 0.5)
    line = ground_truth.kd_gain_summary(runs)
    assert 'mean over 2 seeds) of the 2 archs: mean 1.25, 0.50 ... 2.00; ' \
        '1 of 2 gained in every seed.' in line
    assert ground_truth.kd_gain_summary([r for r in runs
                                         if r['loss'] == 'kd']) == ''
