"""The similarity functions against the formulas written out plainly
(autograd backward on CE, explicit per-class C x C matrices normalised with
F.normalize as the official code does) on real images."""
import pytest
import torch
import torch.nn.functional as F
from conftest import REPO
from mmengine.config import Config

from diswot_mm.models.functional import (class_gram, class_gram_distance,
                                         class_similarity,
                                         class_similarity_distance,
                                         gradcam_weights, relation_distance,
                                         relation_matrix, semantic_distance)
from diswot_mm.models.task_modules.estimators.batch_norm import \
    batch_statistics
from diswot_mm.models.task_modules.estimators.initialization import \
    random_init_
from diswot_mm.models.task_modules.estimators.introspection import \
    classifier_forward
from diswot_mm.registry import build_in_scope


def build(arch, seed, stage_blocks=None):
    cfg = Config.fromfile(f'{REPO}/configs/_base_/models/resnet20_cifar.py')
    cfg.model.backbone.arch = arch
    if stage_blocks:
        cfg.model.backbone.stage_blocks = stage_blocks
    if arch.endswith('x4'):
        cfg.model.head.in_channels = 256
    model = build_in_scope(cfg.model)
    random_init_(model, 'gaussian', seed)
    return model


@pytest.fixture(scope='module')
def outputs(sample_batch):
    """(feat, pooled, logits, W) of a random ResNet56 and ResNet20."""
    inputs, _ = sample_batch
    result = {}
    for name, arch, seed in (('t', 'resnet56', 1), ('s', 'resnet20', 2),
                             ('wide', 'resnet8x4', 3)):
        model = build(arch, seed)
        with torch.no_grad(), batch_statistics(model):
            feat, pooled, logits = classifier_forward(model, inputs)
        result[name] = (feat, pooled, logits, model.head.fc)
    return result


def ref_gradcam(pooled, fc, labels):
    """Gradient of the mean CE w.r.t. W by autograd."""
    weight = fc.weight.detach().clone().requires_grad_(True)
    logits = F.linear(pooled, weight, fc.bias.detach())
    F.cross_entropy(logits, labels).backward()
    return weight.grad


def ref_semantic(g_t, g_s):
    """The official formula, spelled out: per class n the C x C matrix
    E_n = g_n g_n^T (torch.bmm), rows F.normalize'd (eps 1e-12), in
    float32; sum_n ||E^_n,T - E^_n,S||_F^2 / (C N)."""
    n, c = g_t.shape
    mats = []
    for g in (g_t.float(), g_s.float()):
        e = torch.bmm(g.unsqueeze(2), g.unsqueeze(1))  # (N, C, C)
        mats.append(F.normalize(e, p=2, dim=2, eps=1e-12))
    return ((mats[0] - mats[1])**2).sum() / (c * n)


def ref_relation(f_t, f_s):
    b = f_t.shape[0]
    mats = []
    for f in (f_t, f_s):
        q = f.reshape(b, -1).double()
        g = q @ q.t()
        mats.append(g / g.norm(dim=1, keepdim=True))
    return ((mats[0] - mats[1])**2).sum() / b**2


def ref_cam(f_t, w_t, f_s, w_s):
    b, n = f_t.shape[0], w_t.shape[0]
    total = 0.0
    for i in range(b):
        grams = []
        for f, w in ((f_t, w_t), (f_s, w_s)):
            m = w.double() @ f[i].reshape(f.shape[1], -1).double()
            k = m @ m.t()
            grams.append(k / k.norm(dim=1, keepdim=True))
        total += ((grams[0] - grams[1])**2).sum() / n**2
    return total / b


def ref_class(g_t, g_s):
    """The "class" variant spelled out: Q[i, j] = g_i . g_j (N x N, loops),
    row i divided by max(||Q[i]||, 1e-12), in float64;
    sum of squared differences / N^2."""
    n = g_t.shape[0]
    mats = []
    for g in (g_t.double(), g_s.double()):
        q = torch.zeros(n, n, dtype=torch.float64)
        for i in range(n):
            for j in range(n):
                q[i, j] = (g[i] * g[j]).sum()
        for i in range(n):
            q[i] = q[i] / max(float(q[i].norm()), 1e-12)
        mats.append(q)
    return ((mats[0] - mats[1])**2).sum() / n**2


def close(a, b, rtol=1e-5):
    return torch.allclose(
        torch.as_tensor(a).double(),
        torch.as_tensor(b).double(),
        rtol=rtol,
        atol=0)


def test_gradcam_weights_equal_autograd(outputs, sample_batch):
    _, labels = sample_batch
    feat, pooled, logits, fc = outputs['s']
    g = gradcam_weights(pooled, logits, labels)
    assert g.shape == (100, 64)
    ref = ref_gradcam(pooled, fc, labels)
    assert torch.allclose(g, ref, rtol=1e-5, atol=1e-6 * ref.abs().max())


def gaussian_gradcam(arch, seed, labels, inputs, stage_blocks=None):
    model = build(arch, seed, stage_blocks)
    with torch.no_grad(), batch_statistics(model):
        _, pooled, _ = classifier_forward(model, inputs)
    return ref_gradcam(pooled, model.head.fc, labels)


def test_semantic_distance_equals_official_formula_on_real_networks(
        sample_batch):
    """Gaussian ResNet110 teacher vs several Gaussian S1 students on the
    sample images: saturated softmax, gradients from ~1 down to ~1e-30."""
    inputs, labels = sample_batch
    g_t = gaussian_gradcam('resnet110', 0, labels, inputs)
    assert g_t.abs().max() > 1e-3 and (g_t.norm(dim=1) < 1e-12).any()
    for seed, blocks in enumerate(([1, 1, 1], [3, 3, 3], [5, 5, 7], [7, 3, 1]),
                                  1):
        g_s = gaussian_gradcam('resnet20', seed, labels, inputs, blocks)
        value = semantic_distance(g_t, g_s)
        assert value > 0
        assert close(value, ref_semantic(g_t, g_s)), blocks


def test_semantic_distance_equals_official_formula_across_magnitudes():
    """Rows from 1 down to 1e-30, with exact zeros, teacher and student."""
    gen = torch.Generator().manual_seed(0)
    scales = 10.0**-torch.arange(0, 31, 2.0)  # 16 classes: 1 ... 1e-30
    g_t = torch.randn(16, 64, generator=gen) * scales[:, None]
    g_s = torch.randn(16, 64, generator=gen) * scales.flip(0)[:, None]
    g_t[torch.rand(16, 64, generator=gen) < 0.2] = 0
    g_s[torch.rand(16, 64, generator=gen) < 0.2] = 0
    g_s[3] = 0  # a class without any gradient
    value = semantic_distance(g_t, g_s)
    assert close(value, ref_semantic(g_t, g_s))


def test_semantic_floor_drops_classes_with_tiny_gradients(
        outputs, sample_batch):
    """The 1e-12 floor of F.normalize: a class whose gradient is ~1e-20 in
    both networks adds (almost) nothing, where a scale-invariant
    normalisation would count it at full weight."""
    _, labels = sample_batch
    g_t = gradcam_weights(*outputs['t'][1:3], labels).clone()
    g_s = gradcam_weights(*outputs['s'][1:3], labels).clone()
    g_t[0], g_s[0] = 1e-20 * torch.randn(64), 1e-20 * torch.randn(64)
    dropped_t, dropped_s = g_t.clone(), g_s.clone()
    dropped_t[0] = dropped_s[0] = 0
    value = semantic_distance(g_t, g_s)
    assert close(value, semantic_distance(dropped_t, dropped_s))
    assert close(value, ref_semantic(g_t, g_s))


def test_semantic_distance_with_zero_entries():
    g_t = torch.tensor([[1.0, 0.0, -2.0], [0.5, 0.5, 0.0]])
    g_s = torch.tensor([[0.0, 3.0, 1.0], [-1.0, 0.0, 2.0]])
    assert close(semantic_distance(g_t, g_s), ref_semantic(g_t, g_s))


def test_relation_distance_equals_plain_formula(outputs):
    f_t, f_s = outputs['t'][0], outputs['wide'][0]  # 64 vs 256 channels
    value = relation_distance(relation_matrix(f_t), relation_matrix(f_s))
    assert value > 0
    assert close(value, ref_relation(f_t, f_s))


def test_cam_variant_equals_plain_formula_any_widths(outputs):
    f_t, w_t = outputs['t'][0], outputs['t'][3].weight
    f_s, w_s = outputs['wide'][0], outputs['wide'][3].weight
    value = class_gram_distance(class_gram(f_t, w_t), class_gram(f_s, w_s))
    assert value > 0
    assert close(value, ref_cam(f_t, w_t, f_s, w_s))


def test_class_variant_equals_plain_formula_any_widths(outputs, sample_batch):
    """Random ResNet56 teacher (final width 64) vs ResNet8x4 student (256)
    on the sample images: g (100, 64) and (100, 256), one N x N each."""
    _, labels = sample_batch
    g_t = gradcam_weights(*outputs['t'][1:3], labels)
    g_s = gradcam_weights(*outputs['wide'][1:3], labels)
    assert g_t.shape == (100, 64) and g_s.shape == (100, 256)
    sim_t, sim_s = class_similarity(g_t), class_similarity(g_s)
    assert sim_t.shape == sim_s.shape == (100, 100)
    value = class_similarity_distance(sim_t, sim_s)
    assert value > 0
    assert close(value, ref_class(g_t, g_s), rtol=1e-4)


def test_class_variant_equals_plain_formula_across_magnitudes():
    """Small random g of widths 24 and 40, rows from 1 down to 1e-30 and
    a class without any gradient: the 1e-12 floor drops the tiny rows."""
    gen = torch.Generator().manual_seed(0)
    scales = 10.0**-torch.arange(0, 31, 3.0)  # 11 classes: 1 ... 1e-30
    g_t = torch.randn(11, 24, generator=gen) * scales[:, None]
    g_s = torch.randn(11, 40, generator=gen) * scales.flip(0)[:, None]
    g_s[4] = 0
    value = class_similarity_distance(
        class_similarity(g_t), class_similarity(g_s))
    assert value > 0
    assert close(value, ref_class(g_t, g_s), rtol=1e-5)


def test_distance_to_itself_is_zero(outputs, sample_batch):
    _, labels = sample_batch
    feat, pooled, logits, fc = outputs['t']
    g = gradcam_weights(pooled, logits, labels)
    assert float(semantic_distance(g, g)) == pytest.approx(0, abs=1e-12)
    rel = relation_matrix(feat)
    assert float(relation_distance(rel, rel)) == 0
    gram = class_gram(feat, fc.weight)
    assert float(class_gram_distance(gram, gram)) == 0
    sim = class_similarity(g)
    assert float(class_similarity_distance(sim, sim)) == 0


def test_relation_invariant_to_common_batch_permutation(outputs):
    f_t, f_s = outputs['t'][0], outputs['s'][0]
    perm = torch.randperm(
        f_t.shape[0], generator=torch.Generator().manual_seed(0))
    before = relation_distance(relation_matrix(f_t), relation_matrix(f_s))
    after = relation_distance(
        relation_matrix(f_t[perm]), relation_matrix(f_s[perm]))
    assert close(before, after)


def test_positive_scaling_of_features_changes_neither_map_term(outputs):
    (f_t, _, _, fc_t), (f_s, _, _, fc_s) = outputs['t'], outputs['s']
    rel = relation_distance(relation_matrix(f_t), relation_matrix(f_s))
    rel_scaled = relation_distance(
        relation_matrix(f_t), relation_matrix(7.5 * f_s))
    assert close(rel, rel_scaled)
    cam = class_gram_distance(
        class_gram(f_t, fc_t.weight), class_gram(f_s, fc_s.weight))
    cam_scaled = class_gram_distance(
        class_gram(f_t, fc_t.weight), class_gram(3 * f_s, fc_s.weight))
    assert close(cam, cam_scaled)


def test_grad_variant_rejects_unequal_widths(outputs, sample_batch):
    _, labels = sample_batch
    g_t = gradcam_weights(*outputs['t'][1:3], labels)
    g_w = gradcam_weights(*outputs['wide'][1:3], labels)
    with pytest.raises(ValueError, match='"class" variant'):
        semantic_distance(g_t, g_w)


# Precision under AMP. Relative tolerance of a loss on half-precision inputs
# against the float32 loss on the float32 inputs: the inputs' rounding plus
# the result's (bf16 keeps 8 significant bits, fp16 11).
AMP_TOLERANCE = {torch.bfloat16: 1e-2, torch.float16: 2e-3}


def function_calls(outputs, labels):
    """(function, its float32 arguments) for every similarity function, on
    the random ResNet56 (teacher) and ResNet20 (student) outputs."""
    (f_t, p_t, z_t, fc_t), (f_s, p_s, z_s, fc_s) = outputs['t'], outputs['s']
    w_t, w_s = fc_t.weight.detach(), fc_s.weight.detach()
    g_t, g_w = (
        gradcam_weights(*outputs[k][1:3], labels) for k in ('t', 'wide'))
    return [
        (relation_matrix, (f_s, )),
        (relation_distance, (relation_matrix(f_t), relation_matrix(f_s))),
        (gradcam_weights, (p_s, z_s, labels)),
        (semantic_distance, (gradcam_weights(p_t, z_t, labels),
                             gradcam_weights(p_s, z_s, labels))),
        (class_gram, (f_s, w_s)),
        (class_gram_distance, (class_gram(f_t, w_t), class_gram(f_s, w_s))),
        (class_similarity, (g_w, )),
        (class_similarity_distance, (class_similarity(g_t),
                                     class_similarity(g_w))),
    ]


@pytest.mark.parametrize('dtype', AMP_TOLERANCE, ids=str)
def test_functions_compute_in_float32_under_autocast(outputs, sample_batch,
                                                     dtype):
    """Under autocast every function computes in float32: float32 inputs
    give the float32 result bit for bit (autocast alone would run the
    matrix products in ``dtype``; fp16 overflows the Gram matrices of
    Gaussian networks), and half inputs give the float32 result of the same
    values, returned in the caller's ``dtype``."""
    _, labels = sample_batch
    for fn, args in function_calls(outputs, labels):
        expected = fn(*args)
        half = [a.to(dtype) if a.is_floating_point() else a for a in args]
        expected_half = fn(
            *[a.float() if a.is_floating_point() else a
              for a in half]).to(dtype)
        with torch.autocast('cpu', dtype=dtype):
            got = fn(*args)
            got_half = fn(*half)
        assert got.dtype == torch.float32 and torch.equal(got, expected), \
            fn.__name__
        assert got_half.dtype == dtype, fn.__name__
        assert torch.equal(got_half, expected_half), fn.__name__


@pytest.mark.parametrize('dtype', AMP_TOLERANCE, ids=str)
@pytest.mark.parametrize(('student', 'semantic_loss'),
                         [('s', 'SemanticSimilarityLoss'),
                          ('wide', 'ClassSimilarityLoss')])
def test_losses_under_autocast_equal_float32(outputs, sample_batch, dtype,
                                             student, semantic_loss):
    """L_Mr and L_Ms ("grad": ResNet20 student; "class": ResNet8x4, final
    width 256 vs the teacher's 64) on half-precision features (what a
    network under AMP records) equal the float32 losses to AMP_TOLERANCE,
    come back in that dtype, and back-propagate finite gradients to the
    student."""
    from mmpretrain.structures import DataSample

    from diswot_mm.models import losses
    _, labels = sample_batch
    samples = [DataSample().set_gt_label(int(y)) for y in labels]
    (f_t, p_t, z_t, _), (f_s, p_s, z_s, _) = outputs['t'], outputs[student]
    relation = losses.RelationSimilarityLoss(3.0)
    semantic = getattr(losses, semantic_loss)()
    expected = (relation(f_s, f_t), semantic(p_s, z_s, p_t, z_t, samples))
    student = [t.to(dtype).requires_grad_() for t in (f_s, p_s, z_s)]
    teacher = [t.to(dtype) for t in (f_t, p_t, z_t)]
    with torch.autocast('cpu', dtype=dtype):
        got = (relation(student[0], teacher[0]),
               semantic(student[1], student[2], teacher[1], teacher[2],
                        samples))
    for value, reference in zip(got, expected):
        assert value.dtype == dtype
        assert float(value) == pytest.approx(
            float(reference), rel=AMP_TOLERANCE[dtype])
    sum(got).backward()
    for t in student:
        assert t.grad.dtype == dtype and torch.isfinite(t.grad).all()
        assert t.grad.abs().sum() > 0
