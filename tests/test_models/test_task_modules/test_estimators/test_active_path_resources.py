"""ActivePathResourceEstimator gives exactly mmrazor's check_subnet_resources
numbers (export of a sliced copy + counter hooks) on 16 S1 students, 12
NB201 cells and 6 ImageNet-space samples (seeded draws); counted in K
units, so equal to the parameter and the kFLOP."""
import random

import pytest
from conftest import REPO
from mmengine.config import Config
from mmrazor.engine.runner.utils import check_subnet_resources

from diswot_mm.models.search_spaces import alias_to_choices
from diswot_mm.models.search_spaces.nas_bench_201 import arch_strings
from diswot_mm.registry import TASK_UTILS, build_in_scope

UNITS = dict(flops='K', params='K', latency='ms')


def supernet(config):
    cfg = Config.fromfile(f'{REPO}/{config}')
    return build_in_scope(cfg.model)


def estimators(size):
    shape = (1, 3, size, size)
    return [
        build_in_scope(
            dict(
                type=kind,
                input_shape=shape,
                flops_params_cfg=dict(input_shape=shape, units=UNITS)),
            TASK_UTILS) for kind in ('mmrazor.ResourceEstimator',
                                     'ActivePathResourceEstimator')
    ]


def assert_same(model, all_choices, size, constraints):
    reference, fast = estimators(size)
    feasible_seen = set()
    for choices in all_choices:
        ok_ref, ref = check_subnet_resources(model, choices, reference,
                                             constraints)
        ok, got = fast.check_subnet(model, choices, constraints)
        assert (got['flops'], got['params']) == (ref['flops'],
                                                 ref['params']), choices
        assert ok == ok_ref
        feasible_seen.add(ok)
    assert feasible_seen == {True, False}  # both sides of the constraint


def decoded(model, archs):
    backbone = model.architecture.backbone
    return [alias_to_choices(model.mutator, backbone.decode(a)) for a in archs]


def test_16_s1_students():
    model = supernet('configs/diswot_cifar100.py')
    archs = random.Random(0).sample(
        [f'{a}{b}{c}' for a in '1357' for b in '1357' for c in '1357'], 16)
    assert_same(model, decoded(model, archs), 32, dict(params=(0, 300)))


def test_12_nb201_cells():
    model = supernet('configs/diswot_nb201_cifar100.py')
    archs = random.Random(0).sample(arch_strings(), 12)
    assert_same(model, decoded(model, archs), 32, dict(flops=(0, 100e3)))


def test_6_imagenet_space_samples():
    model = supernet('configs/diswot_imagenet.py')
    rng = random.Random(0)
    samples = [{
        group: rng.choice(list(mutables[0].choices))
        for group, mutables in model.mutator.search_groups.items()
    } for _ in range(6)]
    assert_same(model, samples, 224, dict(flops=(0, 4.1e6)))


def test_modes_restored_and_nothing_left_on_modules():
    model = supernet('configs/diswot_cifar100.py')
    model.train()
    _, fast = estimators(32)
    fast.check_subnet(model, model.mutator.sample_choices(), None)
    assert all(m.training for m in model.modules())
    assert not any('__flops__' in m.__dict__ for m in model.modules())


def test_params_proxy_uses_it():
    model = supernet('configs/diswot_cifar100.py')
    proxy = build_in_scope(dict(type='ParamsEstimator'), TASK_UTILS)
    model.mutator.set_choices(decoded(model, ['333'])[0])
    assert proxy.score(model, key='333')['params'] == pytest.approx(0.278)


def test_counts_at_its_input_shape_where_mmrazor_counts_at_224():
    """mmrazor 1.0.0's ResourceEstimator ignores ``input_shape`` unless
    ``flops_params_cfg`` repeats it (a CIFAR conv counted at 224 x 224);
    the registered subclass passes it on."""
    import torch
    from mmrazor.models.task_modules.estimators import ResourceEstimator

    from diswot_mm.models.task_modules.estimators import \
        ActivePathResourceEstimator
    conv = torch.nn.Conv2d(3, 16, 3, padding=1)
    ours = ActivePathResourceEstimator(input_shape=(1, 3, 32, 32))
    theirs = ResourceEstimator(input_shape=(1, 3, 32, 32))
    # 16 x 3 x 3 x 3 multiply-adds + 16 biases per output pixel, in M
    per_pixel = (16 * 3 * 3 * 3 + 16) / 1e6
    assert ours.estimate(conv)['flops'] == pytest.approx(
        per_pixel * 32**2, abs=1e-3)
    assert theirs.estimate(conv)['flops'] == pytest.approx(
        per_pixel * 224**2, abs=1e-2)
