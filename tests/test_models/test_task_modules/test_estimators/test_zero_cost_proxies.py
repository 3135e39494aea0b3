"""Baseline proxies against hand-computed values or known properties (SNIP,
GradNorm, jacob_cov and Zen on two-layer networks, each definition written
out with its gradients derived by hand, no autograd, from the weights the
estimator drew), and the rank-correlation tool against an independent
Kendall tau."""
import csv
import json
import math
import os
import warnings

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from conftest import REPO, kendall_tau_b, run_forked
from mmengine.config import Config

from diswot_mm.analysis import budget_regret, load_ground_truth, regret_summary
from diswot_mm.datasets.minibatch import SAMPLE_DATALOADER
from diswot_mm.models.task_modules.estimators.initialization import derive_seed
from diswot_mm.models.task_modules.estimators.zero_cost_proxies import \
    relu_code_kernel
from diswot_mm.registry import TASK_UTILS, build_in_scope

PROXIES = ('GradNormEstimator', 'SNIPEstimator', 'SynFlowEstimator',
           'NASWOTEstimator', 'JacobCovEstimator', 'ZenEstimator',
           'ZiCoEstimator')


def model(arch='resnet8'):
    cfg = Config.fromfile(f'{REPO}/configs/_base_/models/resnet20_cifar.py')
    cfg.model.backbone.arch = arch
    return build_in_scope(cfg.model)


def proxy(name, **kwargs):
    return TASK_UTILS.build(dict(type=name, **kwargs))


def test_params_is_exact():
    net = model('resnet8')
    by_hand = sum(p.numel() for p in net.parameters()) / 1e6
    assert proxy('ParamsEstimator').score(net)['params'] == pytest.approx(
        by_hand, abs=5e-4)  # mmrazor rounds to 3 decimals


def test_every_proxy_is_finite_reproducible_and_quiet():
    net = model('resnet8')
    for name in PROXIES:
        est = proxy(name)
        with warnings.catch_warnings():
            # e.g. float() of a score that still requires grad
            warnings.simplefilter('error')
            first = est.score(net, key='a')
        assert all(math.isfinite(v) for v in first.values()), name
        model('resnet20')  # unrelated work in between
        assert est.score(net, key='a') == first, name


class TwoLayerMLP(nn.Module):
    """z = W2 relu(W1 x) on the flattened image: W1 (6, 3072), W2 (100, 6),
    no biases."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3 * 32 * 32, 6, bias=False)
        self.fc2 = nn.Linear(6, 100, bias=False)

    def forward(self, inputs, mode='tensor'):
        return self.fc2(F.relu(self.fc1(inputs.flatten(1))))


class TwoLayerConvBN(nn.Module):
    """Backbone relu(BN(V2 relu(BN(V1 x)))) with 1x1 convolutions V1 (4, 3)
    and V2 (4, 4), no biases: feature map (B, 4, 32, 32)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 4, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(4)

    def extract_feat(self, inputs, stage='backbone'):
        x = F.relu(self.bn1(self.conv1(inputs)))
        return (F.relu(self.bn2(self.conv2(x))), )


def mlp_gradients(est, net):
    """Mean cross-entropy L over the estimator's minibatch (X, y), B
    images; with H = X W1^T, R = relu(H), Z = R W2^T, P = softmax(Z):
    dL/dZ = (P - onehot(y)) / B, dL/dW2 = (dL/dZ)^T R,
    dL/dW1 = ((dL/dZ W2) * [H > 0])^T X."""
    x = est.inputs.flatten(1).double()
    w1, w2 = net.fc1.weight.double(), net.fc2.weight.double()
    h = x @ w1.t()
    r = h.clamp(min=0)
    z = r @ w2.t()
    p = z.exp() / z.exp().sum(1, keepdim=True)
    onehot = torch.zeros_like(p)
    onehot[torch.arange(len(x)), est.labels] = 1
    dz = (p - onehot) / len(x)
    dw2 = dz.t() @ r
    dw1 = ((dz @ w2) * (h > 0)).t() @ x
    return (w1, dw1), (w2, dw2)


def test_snip_is_the_sum_of_abs_weight_times_gradient():
    """SNIP (Lee et al., ICLR 2019; Abdelfattah et al., ICLR 2021):
    sum over layers of sum |W * dL/dW|."""
    est = TASK_UTILS.build(dict(type='SNIPEstimator'))
    net = TwoLayerMLP()
    score = est.score(net, key='mlp')['snip']
    expected = sum(
        float((w * g).abs().sum()) for w, g in mlp_gradients(est, net))
    assert score == pytest.approx(expected, rel=1e-4)


def test_grad_norm_is_the_sum_of_layer_gradient_norms():
    """grad_norm (Abdelfattah et al., ICLR 2021): sum over layers of the
    Frobenius norm ||dL/dW||."""
    est = TASK_UTILS.build(dict(type='GradNormEstimator'))
    net = TwoLayerMLP()
    score = est.score(net, key='mlp')['grad_norm']
    expected = sum(
        math.sqrt(float((g**2).sum())) for _, g in mlp_gradients(est, net))
    assert score == pytest.approx(expected, rel=1e-4)


def test_jacob_cov_of_the_input_jacobian():
    """jacob_cov (Mellor et al., arXiv 2006.04647v1): J_b = d(sum_k z_bk)
    / dx_b = (W2^T 1 * [W1 x_b > 0]) W1 per image; C = corrcoef of the rows
    of J; with v its eigenvalues and k = 1e-5,
    score = -sum(log(v + k) + 1 / (v + k))."""
    est = TASK_UTILS.build(dict(type='JacobCovEstimator'))
    net = TwoLayerMLP()
    score = est.score(net, key='mlp')['jacob_cov']
    x = est.inputs.flatten(1).double()
    w1, w2 = net.fc1.weight.double(), net.fc2.weight.double()
    jacobian = (w2.sum(0) * (x @ w1.t() > 0)) @ w1  # (B, 3072)
    centred = jacobian - jacobian.mean(1, keepdim=True)
    unit = centred / centred.norm(dim=1, keepdim=True)
    corr = unit @ unit.t()  # Pearson correlation of every pair of images
    v = torch.linalg.eigvalsh(corr)
    k = 1e-5
    expected = -float((torch.log(v + k) + 1 / (v + k)).sum())
    assert score == pytest.approx(expected, rel=1e-4)


def test_zen_of_a_two_layer_conv_bn_network():
    """Zen-score (Lin et al., ICCV 2021): Gaussian weights (BN weight 1, bias
    0), Gaussian input x and noise e, a = 0.01; f the pre-pooling feature
    map with BN on batch statistics; Zen = log(mean_b sum |f(x) - f(x +
    a e)|) + sum over BN layers of log sqrt(mean over channels of the batch
    variance of the BN's input at x)."""
    est = TASK_UTILS.build(dict(type='ZenEstimator'))
    net = TwoLayerConvBN()
    score = est.score(net, key='convbn')['zen']
    gen = torch.Generator().manual_seed(
        derive_seed(est.seed, 'zen-inputs') % 2**31)
    x = torch.randn(est.inputs.shape, generator=gen).double()
    e = torch.randn(est.inputs.shape, generator=gen).double()
    v1 = net.conv1.weight.double()[:, :, 0, 0]
    v2 = net.conv2.weight.double()[:, :, 0, 0]

    def bn(t):  # batch statistics (biased variance), eps 1e-5, gamma 1
        mean = t.mean((0, 2, 3), keepdim=True)
        var = ((t - mean)**2).mean((0, 2, 3), keepdim=True)
        return (t - mean) / torch.sqrt(var + 1e-5)

    def features(inp):
        pre1 = torch.einsum('oc,bchw->bohw', v1, inp)
        pre2 = torch.einsum('oc,bchw->bohw', v2, bn(pre1).clamp(min=0))
        return bn(pre2).clamp(min=0), (pre1, pre2)

    f_x, bn_inputs = features(x)
    f_mixed, _ = features(x + 0.01 * e)
    delta = (f_x - f_mixed).abs().sum((1, 2, 3)).mean()
    bn_term = sum(
        math.log(math.sqrt(float(t.var(dim=(0, 2, 3)).mean())))
        for t in bn_inputs)
    expected = math.log(float(delta)) + bn_term
    assert score == pytest.approx(expected, rel=1e-4)


def test_synflow_positive_and_data_free():
    net = model('resnet8')
    cifar10 = dict(
        SAMPLE_DATALOADER,
        dataset=dict(SAMPLE_DATALOADER['dataset'], subset='cifar10'))
    a = proxy('SynFlowEstimator').score(net, key='k')['synflow']
    b = proxy(
        'SynFlowEstimator', dataloader=cifar10).score(
            net, key='k')['synflow']
    assert a > 0 and a == b
    assert proxy('SNIPEstimator').score(
        net, key='k') != proxy(
            'SNIPEstimator', dataloader=cifar10).score(
                net, key='k')


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
    regret = budget_regret(
        archs,
        scores=[3, 2, 1],
        accuracies=[50, 70, 60],
        params=[1, 2, 3],
        budgets=[0.5, 1, 2.5, 3])
    assert math.isnan(regret[0.5])
    assert regret[1] == 0 and regret[2.5] == 20 and regret[3] == 20
    summary = regret_summary(regret)
    assert summary == dict(regret_mean=pytest.approx(40 / 3), regret_max=20)


@pytest.mark.subprocess
def test_rank_correlation_tool_on_toy_ground_truth(tmp_path):
    result = run_forked([
        'tools/analysis/rank_correlation.py', 'tests/data/rank_toy.py',
        '--work-dir',
        str(tmp_path)
    ],
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
            regrets.append(
                max(truth[r['arch']] for r in fits) - truth[pick['arch']])
        row = summary['correlations'][name]
        assert row['regret_mean'][0] == pytest.approx(sum(regrets) / 2)
        assert row['regret_max'][0] == pytest.approx(max(regrets))
        assert f'{row["regret_mean"][0]:.2f} (0.00)' in table


@pytest.mark.subprocess
def test_rank_correlation_tool_ranks_only_the_estimators_asked(tmp_path):
    tool = [
        'tools/analysis/rank_correlation.py', 'tests/data/rank_toy.py',
        '--work-dir',
        str(tmp_path)
    ]
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    result = run_forked(tool + ['--estimators', 'snip'], env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = list(csv.DictReader(open(tmp_path / 'scores.csv')))
    assert {r['estimator'] for r in rows} == {'snip'}
    wrong = run_forked(tool + ['--estimators', 'snpi'], env=env)
    assert wrong.returncode != 0
    assert "['snpi'] are not in rank_cfg.estimators" in wrong.stderr
    assert "'snip'" in wrong.stderr


def test_resource_proxies_count_at_an_input_shape_without_data(monkeypatch):
    """ParamsEstimator / FlopsEstimator load no images: only the input
    shape decides the FLOPs (conv FLOPs grow with H x W, 4x from 32 to 64
    px; the head's linear layer does not, so slightly less than 4x)."""
    from diswot_mm.datasets import minibatch

    def no_data(*args, **kwargs):
        raise AssertionError('a resource proxy built a data set')

    monkeypatch.setattr(minibatch, '_build_dataset', no_data)
    net = model('resnet8')
    flops32 = proxy('FlopsEstimator').score(net)['flops']
    flops64 = proxy(
        'FlopsEstimator', input_shape=(1, 3, 64, 64)).score(net)['flops']
    assert 3.9 < flops64 / flops32 < 4.0
    params = proxy('ParamsEstimator', input_shape=(1, 3, 64, 64))
    assert params.score(net)['params'] == proxy('ParamsEstimator').score(
        net)['params']
    assert params.minibatch_info == {}
    with pytest.raises(ValueError, match=r'\(1, C, H, W\)'):
        proxy('FlopsEstimator', input_shape=(8, 3, 32, 32))


def test_an_ensemble_gives_its_minibatch_only_to_image_members():
    ensemble = proxy(
        'EnsembleEstimator',
        estimators=dict(
            params=dict(type='ParamsEstimator'),
            naswot=dict(type='NASWOTEstimator')),
        dataloader=dict(SAMPLE_DATALOADER, batch_size=4))
    assert ensemble.members['naswot'].inputs.shape[0] == 4
    assert list(ensemble.minibatch_info) == ['naswot.NASWOTEstimator']
