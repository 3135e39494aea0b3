"""The similarity functions against a plain, independent implementation
(autograd backward on CE, explicit C x C matrices) on real images."""
import pytest
import torch
import torch.nn.functional as F
from conftest import REPO
from mmengine.config import Config
from mmengine.registry import DefaultScope

from diswot_mm.models.functional import (
    class_gram,
    class_gram_distance,
    gradcam_weights,
    relation_distance,
    relation_matrix,
    semantic_distance,
)
from diswot_mm.models.task_modules.estimators.utils import (
    batch_statistics,
    pool_linear_forward,
    random_init_,
)
from diswot_mm.registry import MODELS


def build(arch, seed):
    cfg = Config.fromfile(f'{REPO}/configs/_base_/models/resnet20_cifar.py')
    cfg.model.backbone.arch = arch
    if arch.endswith('x4'):
        cfg.model.head.in_channels = 256
    with DefaultScope.overwrite_default_scope('diswot_mm'):
        model = MODELS.build(cfg.model)
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
            feat, pooled, logits = pool_linear_forward(model, inputs)
        result[name] = (feat, pooled, logits, model.head.fc)
    return result


def ref_gradcam(pooled, fc, labels):
    """Gradient of the mean CE w.r.t. W by autograd."""
    weight = fc.weight.detach().clone().requires_grad_(True)
    logits = F.linear(pooled, weight, fc.bias.detach())
    F.cross_entropy(logits, labels).backward()
    return weight.grad


def ref_semantic(g_t, g_s):
    """Explicit per-class C x C matrices, rows L2-normalised (zero rows stay
    zero), in float64."""
    n, c = g_t.shape
    total = 0.0
    for k in range(n):
        rows = []
        for g in (g_t[k].double(), g_s[k].double()):
            e = torch.outer(g, g)
            norm = e.norm(dim=1, keepdim=True)
            rows.append(torch.where(norm > 0, e / norm, torch.zeros_like(e)))
        total += ((rows[0] - rows[1])**2).sum()
    return total / (c * n)


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


def close(a, b, rtol=1e-5):
    return torch.allclose(torch.as_tensor(a).double(),
                          torch.as_tensor(b).double(), rtol=rtol, atol=0)


def test_gradcam_weights_equal_autograd(outputs, sample_batch):
    _, labels = sample_batch
    feat, pooled, logits, fc = outputs['s']
    g = gradcam_weights(pooled, logits, labels)
    assert g.shape == (100, 64)
    ref = ref_gradcam(pooled, fc, labels)
    assert torch.allclose(g, ref, rtol=1e-5, atol=1e-6 * ref.abs().max())


def test_semantic_distance_equals_explicit_matrices(outputs, sample_batch):
    _, labels = sample_batch
    g_t = ref_gradcam(outputs['t'][1], outputs['t'][3], labels)
    g_s = ref_gradcam(outputs['s'][1], outputs['s'][3], labels)
    value = semantic_distance(g_t, g_s)
    assert value > 0
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


def test_distance_to_itself_is_zero(outputs, sample_batch):
    _, labels = sample_batch
    feat, pooled, logits, fc = outputs['t']
    g = gradcam_weights(pooled, logits, labels)
    assert float(semantic_distance(g, g)) == pytest.approx(0, abs=1e-12)
    rel = relation_matrix(feat)
    assert float(relation_distance(rel, rel)) == 0
    gram = class_gram(feat, fc.weight)
    assert float(class_gram_distance(gram, gram)) == 0


def test_relation_invariant_to_common_batch_permutation(outputs):
    f_t, f_s = outputs['t'][0], outputs['s'][0]
    perm = torch.randperm(f_t.shape[0],
                          generator=torch.Generator().manual_seed(0))
    before = relation_distance(relation_matrix(f_t), relation_matrix(f_s))
    after = relation_distance(
        relation_matrix(f_t[perm]), relation_matrix(f_s[perm]))
    assert close(before, after)


def test_positive_scaling_of_features_changes_neither_term(
        outputs, sample_batch):
    _, labels = sample_batch
    (f_t, p_t, z_t, fc_t), (f_s, p_s, z_s, fc_s) = outputs['t'], outputs['s']
    rel = relation_distance(relation_matrix(f_t), relation_matrix(f_s))
    rel_scaled = relation_distance(
        relation_matrix(f_t), relation_matrix(7.5 * f_s))
    assert close(rel, rel_scaled)
    g_t = gradcam_weights(p_t, z_t, labels)
    sem = semantic_distance(g_t, gradcam_weights(p_s, z_s, labels))
    sem_scaled = semantic_distance(g_t, gradcam_weights(7.5 * p_s, z_s,
                                                        labels))
    assert close(sem, sem_scaled)
    cam = class_gram_distance(
        class_gram(f_t, fc_t.weight), class_gram(f_s, fc_s.weight))
    cam_scaled = class_gram_distance(
        class_gram(f_t, fc_t.weight), class_gram(3 * f_s, fc_s.weight))
    assert close(cam, cam_scaled)


def test_grad_variant_rejects_unequal_widths(outputs, sample_batch):
    _, labels = sample_batch
    g_t = gradcam_weights(*outputs['t'][1:3], labels)
    g_w = gradcam_weights(*outputs['wide'][1:3], labels)
    with pytest.raises(ValueError, match='cam'):
        semantic_distance(g_t, g_w)
