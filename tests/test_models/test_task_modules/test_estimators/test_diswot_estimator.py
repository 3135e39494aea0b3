"""DisWOTEstimator: reproducible, teacher computed once, nothing persistent
mutated, clear errors, never crashes on NaN."""

import math

import pytest
import torch
from conftest import REPO, select
from mmengine.config import Config

from diswot_mm.registry import TASK_UTILS, build_in_scope


def cifar_model(arch='resnet20', num_classes=100, **overrides):
    cfg = Config.fromfile(f'{REPO}/configs/_base_/models/resnet20_cifar.py')
    cfg.model.backbone.arch = arch
    cfg.model.head.num_classes = num_classes
    cfg.model.head.in_channels = 256 if arch.endswith('x4') else 64
    cfg.model.update(overrides)
    return cfg.model


def build(cfg):
    return build_in_scope(cfg)


def nb201_supernet():
    cfg = Config.fromfile(f'{REPO}/configs/_base_/models/nb201_supernet.py')
    return build(cfg.model)


def estimator(**kwargs):
    kwargs.setdefault('teacher', cifar_model('resnet56'))
    return TASK_UTILS.build(dict(type='DisWOTEstimator', **kwargs))


@pytest.fixture(scope='module')
def students():
    return {
        a: build(cifar_model(a))
        for a in ('resnet8', 'resnet20', 'resnet32')
    }


def test_scores_do_not_depend_on_order_or_instance(students):
    first = estimator()
    forward = {a: first.score(m) for a, m in students.items()}
    second = estimator()
    backward = {a: second.score(m) for a, m in reversed(students.items())}
    assert forward == backward
    values = [s['diswot'] for s in forward.values()]
    assert len(set(values)) == 3  # distinct students, distinct scores
    for s in forward.values():
        assert s['diswot'] == pytest.approx(-(s['semantic'] + s['relation']))
        assert s['semantic'] > 0 and s['relation'] > 0
    assert estimator(seed=1).score(students['resnet20']) != \
        forward['resnet20']


def test_weights_of_the_terms(students):
    s = estimator(
        semantic_weight=2.0, relation_weight=0.5).score(students['resnet8'])
    assert s['diswot'] == pytest.approx(-(2 * s['semantic'] +
                                          0.5 * s['relation']))


def test_teacher_runs_once_per_repeat_not_per_candidate(students):
    teacher = build(cifar_model('resnet56'))
    calls = []
    teacher.backbone.register_forward_hook(lambda *_: calls.append(1))
    est = estimator(teacher=teacher, repeats=3)
    assert len(calls) == 3
    for model in students.values():
        est.score(model)
    assert len(calls) == 3


def test_repeats_average_independent_inits(students):
    one = estimator(repeats=1).score(students['resnet20'])
    three = estimator(repeats=3).score(students['resnet20'])
    assert one != three and all(
        torch.isfinite(torch.tensor(v)) for v in three.values())


def test_pretrained_teacher_and_students_keep_their_statistics(
        tmp_path, students):
    teacher = build(cifar_model('resnet20'))
    for m in teacher.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
    ckpt = tmp_path / 'teacher.pth'
    torch.save(dict(state_dict=teacher.state_dict()), ckpt)
    before = {k: v.clone() for k, v in teacher.state_dict().items()}
    est = estimator(teacher=teacher, teacher_ckpt=str(ckpt))
    assert est.teacher_init == 'pretrained'
    assert not teacher.training
    for k, v in teacher.state_dict().items():
        assert torch.equal(v, before[k]), k
    student = students['resnet8']
    buffers = {k: v.clone() for k, v in student.named_buffers()}
    est.score(student)
    for k, v in student.named_buffers():
        assert torch.equal(v, buffers[k]), k


def test_non_finite_score_is_minus_inf_with_warning(students):
    student = build(cifar_model('resnet8'))
    student.backbone.register_forward_hook(
        lambda m, i, out: tuple(o * float('nan') for o in out))
    with pytest.warns(UserWarning, match='not finite'):
        score = estimator().score(student)
    assert score['diswot'] == float('-inf')


def test_grad_variant_with_unequal_widths_is_a_clear_error():
    wide = build(cifar_model('resnet8x4'))
    with pytest.raises(ValueError) as err:
        estimator().score(wide)
    assert '64' in str(err.value) and '256' in str(err.value)
    assert 'semantic="class"' in str(err.value)
    for semantic in ('class', 'cam'):
        assert estimator(semantic=semantic).score(wide)['semantic'] > 0


def test_class_variant_ranks_students_of_unequal_widths(students):
    """semantic='class' (N x N Grad-CAM class similarity): a ResNet56
    teacher (final width 64) scores ResNet8x4 (256) and the 64-wide
    students with finite, distinct semantic terms; no width check."""
    est = estimator(semantic='class', repeats=2)
    scored = dict(students, resnet8x4=build(cifar_model('resnet8x4')))
    scores = {a: est.score(m) for a, m in scored.items()}
    semantic = [s['semantic'] for s in scores.values()]
    assert all(math.isfinite(v) and v > 0 for v in semantic)
    assert len(set(semantic)) == len(scored)
    for s in scores.values():
        assert s['diswot'] == pytest.approx(-(s['semantic'] + s['relation']))


def test_class_count_mismatches_are_clear_errors():
    with pytest.raises(ValueError, match='num_classes'):
        estimator().score(build(cifar_model('resnet8', num_classes=10)))
    with pytest.raises(ValueError, match='label'):
        estimator(teacher=cifar_model('resnet8', num_classes=10))


def test_head_that_is_not_pool_linear_is_a_clear_error():
    no_pool = build(cifar_model('resnet8', neck=None))
    with pytest.raises(
            ValueError,
            match=r'student head LinearClsHead gets '
            r'\(20, 64, 8, 8\).*GlobalAveragePooling'):
        estimator().score(no_pool)


def test_missing_teacher_checkpoint_and_bad_options():
    with pytest.raises(FileNotFoundError, match='no/such.pth'):
        estimator(teacher_ckpt='no/such.pth')
    with pytest.raises(ValueError, match='gaussian'):
        estimator(init='xavier')
    with pytest.raises(ValueError, match='teacher_ckpt'):
        estimator(teacher_init='pretrained')
    with pytest.raises(ValueError, match='cam'):
        estimator(semantic='gradcam')


def test_supernet_scores_only_the_active_path():
    cfg = Config.fromfile(
        f'{REPO}/configs/_base_/models/s1_cifar_resnet_supernet.py')
    supernet = build(cfg.model)
    backbone = supernet.architecture.backbone
    select(supernet, '135')
    ran = []
    for i, stage in enumerate(backbone.stages):
        for j, block in enumerate(stage):
            block.register_forward_hook(lambda *_, key=(i, j): ran.append(key))
    est = estimator()
    first = est.score(supernet, key='135')
    assert sorted(set(ran)) == [(0, 0), (1, 0), (1, 1), (1, 2), (2, 0), (2, 1),
                                (2, 2), (2, 3), (2, 4)]
    # the key (not the order) decides the init: another candidate between
    select(supernet, '777')
    other = est.score(supernet, key='777')
    select(supernet, '135')
    assert est.score(supernet, key='135') == first != other


def test_init_draws_only_the_active_ops_of_a_supernet():
    """NB201: only the chosen op of each edge is re-initialised; a cell's
    score does not depend on what was scored before or on the instance."""
    from diswot_mm.models.task_modules.estimators.initialization import \
        random_init_
    from diswot_mm.models.task_modules.estimators.introspection import \
        active_modules
    first, second = nb201_supernet(), nb201_supernet()
    cell = '|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+' \
        '|nor_conv_1x1~0|none~1|nor_conv_3x3~2|'
    other = '|nor_conv_1x1~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+' \
        '|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|'
    select(first, cell)
    active = {id(m) for m in active_modules(first)}
    everything = list(first.modules())
    assert len(active) < len(everything)
    before = {n: p.clone() for n, p in first.named_parameters()}
    random_init_(first, 'gaussian', seed=1)
    untouched = [
        f'{name}.{p_name}' for name, module in first.named_modules()
        if id(module) not in active
        for p_name, _ in module.named_parameters(recurse=False)
    ]
    assert untouched  # the unchosen ops' weights ...
    params = dict(first.named_parameters())
    assert all(torch.equal(params[n], before[n]) for n in untouched)
    assert not all(
        torch.equal(p, before[n])  # ... while the chosen changed
        for n, p in params.items() if n not in untouched)
    est = estimator()
    a = est.score(first, key=cell)
    select(first, other)
    b = est.score(first, key=other)
    select(second, cell)
    assert est.score(second, key=cell) == a != b
    select(first, cell)
    assert est.score(first, key=cell) == a


def test_a_student_that_ignores_its_input_is_infeasible():
    """An NB201 cell whose output node is fed only by ``none`` edges outputs
    zeros; the official distances score it above a working cell, so by
    default it is recorded as infeasible (-inf), with a warning."""
    from diswot_mm.models.task_modules.estimators.introspection import \
        is_input_independent
    assert is_input_independent(torch.zeros(4, 8))
    assert is_input_independent(torch.randn(1, 8).expand(4, 8) * 1e3)
    assert not is_input_independent(torch.randn(4, 8))
    supernet = nb201_supernet()
    dead = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+' \
        '|none~0|none~1|none~2|'
    working = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+' \
        '|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|'
    scores = {}
    for reject in (True, False):
        est = estimator(reject_input_independent=reject)
        for arch in (dead, working):
            select(supernet, arch)
            if reject and arch == dead:
                with pytest.warns(UserWarning, match='not finite'):
                    scores[reject, arch] = est.score(supernet, key=arch)
            else:
                scores[reject, arch] = est.score(supernet, key=arch)
    assert scores[True, dead]['diswot'] == float('-inf')
    assert scores[True, dead]['ignores_input'] == 1.0
    assert scores[True, working]['ignores_input'] == 0.0
    assert scores[True, working] == scores[False, working]
    # the official computation: the dead cell beats the working one
    assert scores[False, dead]['ignores_input'] == 1.0
    assert scores[False, dead]['diswot'] > scores[False, working]['diswot']


def test_exactly_the_cells_cut_off_from_the_input_are_flagged():
    """The flag agrees with the graph: a cell ignores its input iff no path
    of non-``none`` edges joins node 0 to the output node (341 of the 15,625
    cells); 12 of each kind, spread over the space."""
    import random

    from diswot_mm.models.search_spaces.nas_bench_201 import arch_strings

    def cut_off(arch):
        reached = {0}
        for node, edges in enumerate(arch.split('+'), start=1):
            for edge in edges.strip('|').split('|'):
                op, source = edge.split('~')
                if op != 'none' and int(source) in reached:
                    reached.add(node)
        return 3 not in reached

    cells = arch_strings()
    dead = [a for a in cells if cut_off(a)]
    assert len(dead) == 341
    rng = random.Random(0)
    sample = rng.sample(dead, 12) + rng.sample(
        [a for a in cells if not cut_off(a)], 12)
    supernet = nb201_supernet()
    est = estimator(reject_input_independent=False)
    flags = []
    for arch in sample:
        select(supernet, arch)
        flags.append(est.score(supernet, key=arch)['ignores_input'])
    assert flags == [1.0] * 12 + [0.0] * 12
