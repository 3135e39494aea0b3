"""On a CUDA device: the DisWOT score stays there (seeded init drawn by the
device's generator, one host round trip per candidate) and is the same
whatever the order; the losses under CUDA autocast equal float32. Marked
``cuda``: skipped without a GPU; tools/gpu_check.sh runs them."""
import warnings

import pytest
import torch
from conftest import REPO, select
from mmengine.config import Config
from mmpretrain.structures import DataSample

from diswot_mm.models.losses import (RelationSimilarityLoss,
                                     SemanticSimilarityLoss)
from diswot_mm.models.task_modules.estimators.batch_norm import \
    batch_statistics
from diswot_mm.models.task_modules.estimators.initialization import \
    random_init_
from diswot_mm.models.task_modules.estimators.introspection import \
    classifier_forward
from diswot_mm.registry import TASK_UTILS, build_in_scope

pytestmark = pytest.mark.cuda


def s1_supernet():
    cfg = Config.fromfile(
        f'{REPO}/configs/_base_/models/s1_cifar_resnet_supernet.py')
    return build_in_scope(cfg.model).cuda()


def diswot(**kwargs):
    return build_in_scope(
        dict(
            type='DisWOTEstimator',
            teacher=f'{REPO}/configs/_base_/models/resnet56_cifar.py',
            repeats=2,
            device='cuda',
            **kwargs), TASK_UTILS)


def test_scores_on_cuda_are_order_independent_and_stay_on_device():
    estimator = diswot()
    assert estimator.inputs.is_cuda and estimator.labels.is_cuda
    for target in estimator._teacher_targets:
        assert all(t.is_cuda for t in target.values())
    supernet = s1_supernet()
    scores = {}
    for arch in ('135', '777', '135', '333'):
        select(supernet, arch)
        scores.setdefault(arch, []).append(estimator.score(supernet, arch))
    assert scores['135'][0] == scores['135'][1]
    assert scores['135'][0] != scores['777'][0]
    assert all(
        torch.isfinite(torch.tensor(s[0]['diswot'])) for s in scores.values())
    other = diswot()  # another instance (another process or rank)
    select(supernet, '777')
    assert other.score(supernet, '777') == scores['777'][0]


def test_one_host_synchronisation_per_candidate():
    estimator = diswot()
    supernet = s1_supernet()
    select(supernet, '333')
    estimator.score(supernet, '333')  # warm up (allocations, kernels)
    torch.cuda.set_sync_debug_mode('warn')
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            estimator.score(supernet, '333')
    finally:
        torch.cuda.set_sync_debug_mode('default')
    syncs = [w for w in caught if 'synchroniz' in str(w.message)]
    assert len(syncs) <= 1, [str(w.message) for w in syncs]


def test_init_is_drawn_on_the_device_and_leaves_the_global_rngs():
    supernet = s1_supernet()
    select(supernet, '333')
    cpu_state, cuda_state = torch.get_rng_state(), torch.cuda.get_rng_state()
    random_init_(supernet, 'gaussian', 7)
    first = [p.clone() for p in supernet.parameters()]
    random_init_(supernet, 'gaussian', 7)
    assert all(p.is_cuda for p in first)
    assert all(torch.equal(a, b) for a, b in zip(first, supernet.parameters()))
    assert torch.equal(torch.get_rng_state(), cpu_state)
    assert torch.equal(torch.cuda.get_rng_state(), cuda_state)


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16], ids=str)
def test_losses_under_cuda_autocast_equal_float32(sample_batch, dtype):
    """Features of a network run under CUDA autocast: L_Mr and L_Ms equal
    the float32 losses of the float32 network within 5 % (the network's own
    half-precision forward differs; the losses add no underflow) and are
    finite in ``dtype``."""
    inputs, labels = (t.cuda() for t in sample_batch)
    samples = [DataSample().set_gt_label(int(y)) for y in labels]
    cfg = Config.fromfile(f'{REPO}/configs/_base_/models/resnet20_cifar.py')
    teacher, student = (build_in_scope(cfg.model).cuda() for _ in '12')
    random_init_(teacher, 'default', 1)
    random_init_(student, 'default', 2)
    relation, semantic = RelationSimilarityLoss(), SemanticSimilarityLoss()

    def losses():
        with torch.no_grad(), batch_statistics(teacher), \
                batch_statistics(student):
            (f_t, p_t, z_t), (f_s, p_s, z_s) = (
                classifier_forward(m, inputs) for m in (teacher, student))
        return (relation(f_s, f_t), semantic(p_s, z_s, p_t, z_t, samples))

    expected = losses()
    with torch.autocast('cuda', dtype=dtype):
        got = losses()
    for value, reference in zip(got, expected):
        assert value.dtype == dtype and torch.isfinite(value)
        assert float(value) == pytest.approx(float(reference), rel=5e-2)
