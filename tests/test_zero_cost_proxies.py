"""Baseline proxies against hand-computed values or known properties, and
the rank-correlation tool against an independent Kendall tau."""
import csv
import itertools
import json
import math
import os
import subprocess
import sys

import pytest
import torch
from conftest import REPO
from mmengine.config import Config
from mmengine.registry import DefaultScope

from diswot_mm.analysis import (
    budget_regret,
    load_ground_truth,
    regret_summary,
)
from diswot_mm.datasets.minibatch import SAMPLE_DATALOADER
from diswot_mm.models.task_modules.estimators.zero_cost_proxies import (
    relu_code_kernel,
)
from diswot_mm.registry import MODELS, TASK_UTILS

PROXIES = ('GradNormEstimator', 'SNIPEstimator', 'SynFlowEstimator',
           'NASWOTEstimator', 'JacobCovEstimator', 'ZenEstimator',
           'ZiCoEstimator')


def model(arch='resnet8'):
    cfg = Config.fromfile(f'{REPO}/configs/_base_/models/resnet20_cifar.py')
    cfg.model.backbone.arch = arch
    with DefaultScope.overwrite_default_scope('diswot_mm'):
        return MODELS.build(cfg.model)


def proxy(name, **kwargs):
    return TASK_UTILS.build(dict(type=name, **kwargs))


def test_params_is_exact():
    net = model('resnet8')
    by_hand = sum(p.numel() for p in net.parameters()) / 1e6
    assert proxy('ParamsEstimator').score(net)['params'] == pytest.approx(
        by_hand, abs=5e-4)  # mmrazor rounds to 3 decimals


def test_every_proxy_is_finite_and_reproducible():
    net = model('resnet8')
    for name in PROXIES:
        est = proxy(name)
        first = est.score(net, key='a')
        assert all(math.isfinite(v) for v in first.values()), name
        model('resnet20')  # unrelated work in between
        assert est.score(net, key='a') == first, name


def test_synflow_positive_and_data_free():
    net = model('resnet8')
    cifar10 = dict(SAMPLE_DATALOADER,
                   dataset=dict(SAMPLE_DATALOADER['dataset'],
                                subset='cifar10'))
    a = proxy('SynFlowEstimator').score(net, key='k')['synflow']
    b = proxy('SynFlowEstimator', dataloader=cifar10).score(
        net, key='k')['synflow']
    assert a > 0 and a == b
    assert proxy('SNIPEstimator').score(net, key='k') != proxy(
        'SNIPEstimator', dataloader=cifar10).score(net, key='k')


def test_naswot_kernel_is_the_log_determinant_formula():
    codes = torch.tensor([[1, 0, 1, 1], [1, 1, 0, 1], [0, 0, 0, 1]])
    kernel = relu_code_kernel(codes)
    # entries: number of units on which two samples agree
    expected = torch.tensor([[4., 2., 2.], [2., 4., 2.], [2., 2., 4.]],
                            dtype=torch.float64)
    assert torch.equal(kernel, expected)
    assert float(torch.linalg.slogdet(kernel)[1]) == pytest.approx(
        math.log(32))  # det of 2I + 2J (3x3) = 2^2 * 8


def test_budget_regret_by_hand():
    archs = ['a', 'b', 'c']
    regret = budget_regret(archs, scores=[3, 2, 1], accuracies=[50, 70, 60],
                           params=[1, 2, 3], budgets=[0.5, 1, 2.5, 3])
    assert math.isnan(regret[0.5])
    assert regret[1] == 0 and regret[2.5] == 20 and regret[3] == 20
    summary = regret_summary(regret)
    assert summary == dict(regret_mean=pytest.approx(40 / 3), regret_max=20)


def kendall_tau_b(x, y):
    """Independent tau-b by counting pairs."""
    concordant = discordant = ties_x = ties_y = 0
    for i, j in itertools.combinations(range(len(x)), 2):
        dx, dy = x[i] - x[j], y[i] - y[j]
        if dx == 0 and dy == 0:
            continue
        if dx == 0:
            ties_x += 1
        elif dy == 0:
            ties_y += 1
        elif dx * dy > 0:
            concordant += 1
        else:
            discordant += 1
    return (concordant - discordant) / math.sqrt(
        (concordant + discordant + ties_x) *
        (concordant + discordant + ties_y))


def test_rank_correlation_tool_on_toy_ground_truth(tmp_path):
    result = subprocess.run(
        [sys.executable, 'tools/analysis/rank_correlation.py',
         'tests/data/rank_toy.py', '--work-dir', str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, PYTHONWARNINGS='ignore'))
    assert result.returncode == 0, result.stderr[-3000:]
    truth = load_ground_truth(f'{REPO}/tests/data/toy_ground_truth.csv')
    rows = list(csv.DictReader(open(tmp_path / 'scores.csv')))
    table = (tmp_path / 'rank_correlation.md').read_text()
    for name in ('params', 'snip', 'diswot'):
        mine = sorted((r for r in rows if r['estimator'] == name),
                      key=lambda r: r['arch'])
        assert [r['arch'] for r in mine] == sorted(truth)
        tau = kendall_tau_b([float(r['score']) for r in mine],
                            [truth[r['arch']] for r in mine])
        assert f'| {name} | {tau:.3f} (0.000)' in table
    assert '| diswot.semantic |' in table and 'Budget regret' in table
    assert (tmp_path / 'scatter.png').stat().st_size > 10_000
    # regret over the config's budgets (0.2, 0.5 M), recomputed by hand
    summary = json.load(open(tmp_path / 'rank_correlation.json'))
    for name in ('params', 'snip', 'diswot'):
        mine = [r for r in rows if r['estimator'] == name]
        regrets = []
        for budget in (0.2, 0.5):
            fits = [r for r in mine if float(r['params']) <= budget]
            pick = max(fits, key=lambda r: (float(r['score']), r['arch']))
            regrets.append(max(truth[r['arch']] for r in fits) -
                           truth[pick['arch']])
        row = summary['correlations'][name]
        assert row['regret_mean'][0] == pytest.approx(sum(regrets) / 2)
        assert row['regret_max'][0] == pytest.approx(max(regrets))
        assert f'{row["regret_mean"][0]:.2f} (0.00)' in table


def test_rank_correlation_tool_ranks_only_the_estimators_asked(tmp_path):
    tool = [sys.executable, 'tools/analysis/rank_correlation.py',
            'tests/data/rank_toy.py', '--work-dir', str(tmp_path)]
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    result = subprocess.run(tool + ['--estimators', 'snip'], cwd=REPO,
                            capture_output=True, text=True, timeout=600,
                            env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = list(csv.DictReader(open(tmp_path / 'scores.csv')))
    assert {r['estimator'] for r in rows} == {'snip'}
    wrong = subprocess.run(tool + ['--estimators', 'snpi'], cwd=REPO,
                           capture_output=True, text=True, timeout=600,
                           env=env)
    assert wrong.returncode != 0
    assert "['snpi'] are not in rank_cfg.estimators" in wrong.stderr
    assert "'snip'" in wrong.stderr
