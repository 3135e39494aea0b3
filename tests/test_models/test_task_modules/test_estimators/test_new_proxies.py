"""The proxies added for issue 34 (NASLib's plain, l2_norm, fisher, grasp,
epe_nas; MeCo, SWAP, AZ-NAS) and the log-rank aggregation, each against its
formula written out plainly on a tiny network: hand-derived gradients, numpy
(the authors' EPE-NAS and MeCo steps), a library Hessian-vector product."""
import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from test_zero_cost_proxies import TwoLayerMLP, mlp_gradients

from diswot_mm.datasets import describe_minibatches
from diswot_mm.models.task_modules.estimators import (ParamsEstimator,
                                                      combine_scores)
from diswot_mm.models.task_modules.estimators.az_nas import (
    block_trainability, feature_entropy)
from diswot_mm.models.task_modules.estimators.swap import distinct_patterns
from diswot_mm.models.task_modules.estimators.zero_cost_proxies import \
    epe_nas_score
from diswot_mm.registry import TASK_UTILS


def proxy(name, **kwargs):
    return TASK_UTILS.build(dict(type=name, **kwargs))


class ConvNet(nn.Module):
    """conv (3 -> 4, 3x3) -> ReLU -> Block(conv 4 -> 4, ReLU) -> GAP ->
    linear (4 -> 100); no BatchNorm, so nothing depends on batch mode."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.relu = nn.ReLU()
        self.block = Block()
        self.fc = nn.Linear(4, 100)

    def forward(self, inputs, mode='tensor'):
        x = self.block(self.relu(self.stem(inputs)))
        return self.fc(x.mean((2, 3)))


class Block(nn.Module):

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.conv(x))


def test_plain_is_the_sum_of_weight_times_gradient():
    """plain (NASLib): sum over layers of sum W * dL/dW, signed."""
    est = proxy('PlainEstimator')
    net = TwoLayerMLP()
    score = est.score(net, key='mlp')['plain']
    expected = sum(float((w * g).sum()) for w, g in mlp_gradients(est, net))
    assert score == pytest.approx(expected, rel=1e-4)


def test_l2_norm_is_the_sum_of_layer_weight_norms():
    est = proxy('L2NormEstimator')
    net = TwoLayerMLP()
    score = est.score(net, key='mlp')['l2_norm']
    expected = sum(
        math.sqrt(float((w.double()**2).sum()))
        for w in (net.fc1.weight, net.fc2.weight))
    assert score == pytest.approx(expected, rel=1e-6)


def test_fisher_of_a_two_layer_mlp():
    """fisher (Turner et al.; NASLib): per linear layer with output a
    (B, K) and g = dL/da, 0.5 * sum_k mean_b (a * g)^2. Here a1 = X W1^T,
    g1 = (dL/dZ W2) * [a1 > 0]; a2 = Z, g2 = dL/dZ."""
    est = proxy('FisherEstimator')
    net = TwoLayerMLP()
    score = est.score(net, key='mlp')['fisher']
    x = est.inputs.flatten(1).double()
    w1, w2 = net.fc1.weight.double(), net.fc2.weight.double()
    a1 = x @ w1.t()
    z = a1.clamp(min=0) @ w2.t()
    p = z.softmax(1)
    onehot = F.one_hot(est.labels, 100).double()
    dz = (p - onehot) / len(x)
    g1 = (dz @ w2) * (a1 > 0)
    expected = sum(0.5 * float((a * g).pow(2).mean(0).sum())
                   for a, g in ((a1, g1), (z, dz)))
    assert score == pytest.approx(expected, rel=1e-4)


def test_grasp_is_minus_weight_times_hessian_gradient():
    """GraSP (Wang et al.; NASLib): -sum W * (H g), H and g the Hessian
    and gradient of the cross-entropy w.r.t. the weights; H g from
    torch.autograd.functional.hvp of the loss written out plainly."""
    est = proxy('GraSPEstimator')
    net = TwoLayerMLP()
    score = est.score(net, key='mlp')['grasp']
    x = est.inputs.flatten(1).double()
    w1, w2 = net.fc1.weight.double(), net.fc2.weight.double()

    def loss(v1, v2):
        return F.cross_entropy((x @ v1.t()).clamp(min=0) @ v2.t(), est.labels)

    g = torch.autograd.grad(
        loss(w1.requires_grad_(), w2.requires_grad_()), (w1, w2))
    _, hg = torch.autograd.functional.hvp(loss, (w1.detach(), w2.detach()), g)
    expected = -sum(float((w * h).sum()) for w, h in zip((w1, w2), hg))
    assert score == pytest.approx(expected, rel=1e-3)


def epe_nas_numpy(jacob, labels, n_classes):
    """The authors' eval_score_perclass (EPE-NAS, as NASLib copies it)."""
    k = 1e-5
    per_class = {}
    for i, label in enumerate(labels):
        if label in per_class:
            per_class[label] = np.vstack((per_class[label], jacob[i]))
        else:
            per_class[label] = jacob[i]
    scores = {}
    for c in per_class:
        try:
            corrs = np.corrcoef(per_class[c])
            s = np.sum(np.log(abs(corrs) + k))
            if n_classes > 100:
                s /= len(corrs)
        except TypeError:
            continue
        scores[c] = s
    if n_classes <= 100:
        return sum(abs(s) for s in scores.values())
    return sum(abs(scores[c] - scores[d]) for c in scores
               for d in scores) / len(scores)


@pytest.mark.parametrize('n_classes', [10, 120])
def test_epe_nas_score_is_the_authors_per_class_formula(n_classes):
    generator = torch.Generator().manual_seed(0)
    jacob = torch.randn(12, 30, generator=generator, dtype=torch.float64)
    labels = torch.tensor([0, 1, 1, 2, 2, 2, 3, 4, 4, 5, 6, 6])
    got = float(epe_nas_score(jacob, labels, n_classes))
    expected = epe_nas_numpy(jacob.numpy(), labels.tolist(), n_classes)
    assert got == pytest.approx(expected, rel=1e-9)


def test_epe_nas_estimator_uses_the_input_jacobian():
    est = proxy('EPENASEstimator')
    net = TwoLayerMLP()
    score = est.score(net, key='mlp')['epe_nas']
    x = est.inputs.flatten(1).double()
    w1, w2 = net.fc1.weight.double(), net.fc2.weight.double()
    # d(sum_k z_bk) / dx_b = (1^T W2 * [W1 x_b > 0]) W1
    jacob = ((w2.sum(0) * (x @ w1.t() > 0)) @ w1).detach().numpy()
    expected = epe_nas_numpy(jacob, est.labels.tolist(), 100)
    assert score == pytest.approx(expected, rel=1e-4)


def test_meco_sums_min_eigenvalues_of_one_images_channel_correlations():
    """MeCo (Jiang et al.; the authors' hook): for each module with a
    feature-map output (here stem conv, its ReLU, the block's conv, its
    ReLU and the block itself), the smallest eigenvalue of corrcoef of the
    first image's C x HW map, NaN set to 0; summed."""
    est = proxy('MeCoEstimator')
    net = ConvNet()
    score = est.score(net, key='net')['meco']
    x = est.inputs[:1]
    with torch.no_grad():
        stem = net.stem(x)
        relu = stem.clamp(min=0)
        conv = net.block.conv(relu)
        out = conv.clamp(min=0)
    expected = 0.0
    for feat in (stem, relu, conv, out, out):  # out: block.relu and block
        corr = np.corrcoef(feat[0].reshape(4, -1).double().numpy())
        corr[~np.isfinite(corr)] = 0
        expected += np.linalg.eigvalsh(corr).min()
    assert score == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_distinct_patterns_counts_unique_rows_for_any_batch():
    generator = torch.Generator().manual_seed(1)
    for samples in (5, 63, 64, 130):
        codes = torch.randint(0, 2, (400, samples), generator=generator)
        codes[200:] = codes[:200]  # duplicates
        assert distinct_patterns(codes.bool()) == len(
            np.unique(codes.numpy(), axis=0))


def test_swap_counts_relu_patterns_and_regularises_by_size():
    """SWAP (Peng et al.): the distinct rows of sign(ReLU outputs) as
    (units, samples), all ReLUs on feature maps together; regularised:
    times exp(-(P - mu)^2 / sigma), P in K params."""
    est = proxy('SWAPEstimator')
    net = ConvNet()
    result = est.score(net, key='net')
    with torch.no_grad():
        r1 = net.stem(est.inputs).clamp(min=0)
        r2 = net.block.conv(r1).clamp(min=0)
    codes = torch.cat([r1.flatten(1), r2.flatten(1)], 1).t() > 0
    expected = len(np.unique(codes.numpy(), axis=0))
    assert result['swap'] == result['patterns'] == expected
    reg = proxy('SWAPEstimator', mu=0.5, sigma=2.0).score(net, key='net')
    kparams = ParamsEstimator().score(net)['params'] * 1e3
    assert reg['swap'] == pytest.approx(expected *
                                        math.exp(-(kparams - 0.5)**2 / 2.0))
    with pytest.raises(ValueError, match='mu and sigma'):
        proxy('SWAPEstimator', mu=1.0)


def test_feature_entropy_is_the_entropy_of_normalised_covariance_spectrum():
    """AZ-NAS expressivity of one map: positions as samples of a C-vector,
    covariance (1/n), eigenvalues s, p = s / sum s, -sum p log(p + 1e-8)."""
    feat = torch.randn(3, 5, 4, 4, generator=torch.Generator().manual_seed(2))
    samples = feat.permute(0, 2, 3, 1).reshape(-1, 5).double().numpy()
    s = np.linalg.eigvalsh(np.cov(samples, rowvar=False, bias=True))
    p = s / s.sum()
    expected = -(p * np.log(p + 1e-8)).sum()
    assert float(feature_entropy(feat)) == pytest.approx(expected, rel=1e-9)


def test_block_trainability_formula_with_and_without_downsampling():
    """AZ-NAS trainability of one block: M = mean over positions of
    g_in g_out^T, g_in pixel-unshuffled (channel c * s^2 + i * s + j takes
    offset (i, j) of each s x s patch) to the output size; with sigma the
    largest singular value, -sigma - 1 / (sigma + 1e-6) + 2."""
    generator = torch.Generator().manual_seed(3)
    g_out = torch.randn(2, 3, 2, 2, generator=generator, dtype=torch.float64)
    for g_in in (torch.randn(
            2, 3, 2, 2, generator=generator, dtype=torch.float64),
                 torch.randn(
                     2, 2, 4, 4, generator=generator, dtype=torch.float64)):
        s = g_in.shape[2] // 2
        unshuffled = np.zeros((2, g_in.shape[1] * s * s, 2, 2))
        for c in range(g_in.shape[1]):
            for i in range(s):
                for j in range(s):
                    unshuffled[:, c * s * s + i * s + j] = \
                        g_in[:, c, i::s, j::s].numpy()
        m = np.zeros((unshuffled.shape[1], 3))
        for b in range(2):
            for y in range(2):
                for x in range(2):
                    m += np.outer(unshuffled[b, :, y, x], g_out[b, :, y,
                                                                x].numpy())
        sigma = np.linalg.svd(m / 8, compute_uv=False).max()
        assert float(block_trainability(g_in, g_out)) == pytest.approx(
            -sigma - 1 / (sigma + 1e-6) + 2, rel=1e-9)
    assert block_trainability(g_out, g_out.clone()) == -math.inf


def test_az_nas_terms_and_log_rank_aggregation():
    """Stem output (the block's input) and the block's output are the
    features: expressivity = sum of their entropies, progressivity = their
    difference; complexity = FLOPs; the AZ-NAS score of a population is the
    mean over the four terms of log(rank / N)."""
    est = proxy('AZNASEstimator', block_types=['Block'])
    net = ConvNet()
    result = est.score(net, key='net')
    with torch.no_grad():
        f0 = net.relu(net.stem(est.inputs))
        f1 = net.block(f0)
    e0, e1 = float(feature_entropy(f0)), float(feature_entropy(f1))
    assert result['expressivity'] == pytest.approx(e0 + e1, rel=1e-6)
    assert result['progressivity'] == pytest.approx(e1 - e0, rel=1e-5)
    assert math.isfinite(result['trainability'])
    assert result['complexity'] == proxy('FlopsEstimator').score(net)['flops']
    population = [
        dict(
            expressivity=3., progressivity=1., trainability=-1.,
            complexity=5.),
        dict(
            expressivity=1., progressivity=2., trainability=-2.,
            complexity=7.),
    ]
    # ranks (of 2): a = (2, 1, 2, 1), b = (1, 2, 1, 2)
    expected = [np.log([1, .5, 1, .5]).mean(), np.log([.5, 1, .5, 1]).mean()]
    assert est.combine(population) == pytest.approx(expected)
    with pytest.raises(ValueError, match='block_types'):
        proxy(
            'AZNASEstimator', block_types=['NoSuchBlock']).score(
                net, key='net')


def test_az_nas_noise_inputs_are_the_authors_gaussian_batch():
    """noise_inputs: a seeded N(0, 1) batch of the minibatch's shape in
    place of its images (the authors' NB201 code), said where scores say
    what they were computed on; the features are taken on it."""
    images = proxy('AZNASEstimator', block_types=['Block'])
    noise = proxy('AZNASEstimator', block_types=['Block'], noise_inputs=True)
    assert noise.inputs.shape == images.inputs.shape == (20, 3, 32, 32)
    assert not torch.equal(noise.inputs, images.inputs)
    assert abs(float(noise.inputs.mean())) < 0.02
    assert float(noise.inputs.std()) == pytest.approx(1, abs=0.02)
    same = proxy('AZNASEstimator', block_types=['Block'], noise_inputs=True)
    other = proxy(
        'AZNASEstimator', block_types=['Block'], noise_inputs=True, seed=1)
    assert torch.equal(same.inputs, noise.inputs)
    assert not torch.equal(other.inputs, noise.inputs)
    info = describe_minibatches(noise.minibatch_info)
    assert info == ('AZNASEstimator: 20 images of N(0, 1) noise (the shape '
                    "of CIFARSamples's images), input (20, 3, 32, 32)")
    net = ConvNet()
    result = noise.score(net, key='net')
    with torch.no_grad():
        f0 = net.relu(net.stem(noise.inputs))
        f1 = net.block(f0)
    assert result['expressivity'] == pytest.approx(
        float(feature_entropy(f0)) + float(feature_entropy(f1)), rel=1e-6)


def test_log_rank_mode_by_hand():
    members = dict(a=[1.0, 2.0, 3.0], b=[30.0, -math.inf, 10.0])
    # ranks / 3: a = (1/3, 2/3, 1); b = (1, 1/3, 2/3) (-inf last)
    got = combine_scores(members, dict(a=1, b=3), 'log_rank')
    assert got == pytest.approx([(math.log(1 / 3) + 3 * math.log(1)) / 4,
                                 (math.log(2 / 3) + 3 * math.log(1 / 3)) / 4,
                                 (math.log(1) + 3 * math.log(2 / 3)) / 4])


def test_ensemble_terms_pick_outputs_with_their_direction():
    """terms: '-m.key' ranks a distance (lower is better); a member that
    recorded a candidate as infeasible (score -inf) ranks it last in each
    of its terms; a population-relative member needs explicit terms."""
    ensemble = proxy(
        'EnsembleEstimator',
        estimators=dict(p=dict(type='ParamsEstimator')),
        terms=dict(small='-p.score'))
    results = [{'p.score': 1.0}, {'p.score': 2.0}, {'p.score': -math.inf}]
    assert ensemble.combine(results) == pytest.approx([1.0, 2 / 3, -math.inf])
    with pytest.raises(KeyError, match='<member>.<output>'):
        proxy(
            'EnsembleEstimator',
            estimators=dict(p=dict(type='ParamsEstimator')),
            terms=dict(x='q.score'))
    with pytest.raises(ValueError, match='population-relative'):
        proxy(
            'EnsembleEstimator',
            estimators=dict(az=dict(type='AZNASEstimator')))


def test_fill_minibatch_reaches_only_estimators_that_score_on_images():
    from diswot_mm.models.task_modules.estimators import fill_minibatch
    loader = dict(batch_size=4)
    assert fill_minibatch(
        dict(type='SNIPEstimator'), dataloader=loader)['dataloader'] == loader
    assert fill_minibatch(
        dict(type='EnsembleEstimator', estimators={}),
        dataloader=loader)['dataloader'] == loader
    assert 'dataloader' not in fill_minibatch(
        dict(type='ParamsEstimator'), dataloader=loader)
    own = dict(type='SNIPEstimator', dataloader=dict(batch_size=8))
    assert fill_minibatch(
        own, dataloader=loader)['dataloader'] == dict(batch_size=8)
