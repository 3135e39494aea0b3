"""Teachers without a GAP + linear head (issue 21): DeiT-tiny (class token,
no neck) and ConvNeXt-tiny as in the zoo (pooling inside the backbone)."""
import math

import pytest
import torch
from conftest import REPO
from mmengine.config import Config

from diswot_mm.models.builder import build_model, load_model_config
from diswot_mm.models.functional import gradcam_weights, relation_matrix
from diswot_mm.models.task_modules.estimators.batch_norm import \
    batch_statistics
from diswot_mm.models.task_modules.estimators.initialization import \
    random_init_
from diswot_mm.models.task_modules.estimators.introspection import \
    classifier_forward
from diswot_mm.registry import TASK_UTILS

DEIT = 'mmpretrain::deit/deit-tiny_4xb256_in1k.py'
CONVNEXT = 'mmpretrain::_base_/models/convnext/convnext-tiny.py'


def estimator(teacher, **kwargs):
    return TASK_UTILS.build(
        dict(type='DisWOTEstimator', teacher=teacher, **kwargs))


@pytest.fixture(scope='module')
def student():
    cfg = Config.fromfile(f'{REPO}/configs/_base_/models/resnet20_cifar.py')
    cfg.model.head.num_classes = 1000
    return build_model(cfg.model)


@pytest.mark.parametrize('teacher', [DEIT, CONVNEXT])
def test_relation_term_alone_for_any_classifier(teacher, student):
    """Issue 21 row: refused ("needs a GlobalAveragePooling neck and a
    LinearClsHead") even with semantic_weight=0."""
    result = estimator(teacher, semantic_weight=0).score(student)
    assert result['semantic'] == 0
    assert 0 < result['relation'] < 1
    assert result['diswot'] == -result['relation']


def test_relation_compares_the_class_token_of_a_vit(student, sample_batch):
    """M_r of a DeiT teacher is the formula on its class token (B, 192)."""
    inputs = sample_batch[0]
    teacher = build_model(DEIT)
    random_init_(teacher, 'gaussian', 5)
    with torch.no_grad(), batch_statistics(teacher):
        feat, pooled, logits = classifier_forward(teacher, inputs)
    assert feat.shape == (len(inputs), 192) and pooled.shape == feat.shape
    assert torch.equal(logits, teacher.head.layers.head(pooled))
    expected = torch.nn.functional.normalize(feat @ feat.t(), dim=1)
    assert torch.allclose(relation_matrix(feat), expected, atol=1e-6)


def test_grad_semantic_term_from_the_class_token(sample_batch):
    """'grad' needs only f (the final linear's input) and W: a DeiT student
    against a DeiT teacher (equal widths 192)."""
    teacher, student = build_model(DEIT), build_model(DEIT)
    est = estimator(teacher, semantic='grad', init='default')
    result = est.score(student)
    assert math.isfinite(result['semantic']) and result['semantic'] > 0
    # the teacher's target is Grad-CAM of its class token and head.layers.head
    with torch.no_grad(), batch_statistics(teacher):
        random_init_(teacher, 'default', 0)
        _, pooled, logits = classifier_forward(teacher, est.inputs)
    assert gradcam_weights(pooled, logits, est.labels).shape == (1000, 192)


@pytest.mark.parametrize('teacher,hint', [
    (DEIT, "out_type='featmap'"),
    (CONVNEXT, 'gap_before_final_norm=False'),
])
def test_cam_without_a_map_is_one_clear_error(teacher, hint, student):
    with pytest.raises(ValueError) as err:
        estimator(teacher, semantic='cam').score(student)
    message = str(err.value)
    assert f'teacher {teacher}' in message
    assert 'semantic="cam"' in message and 'semantic_weight=0' in message
    assert 'semantic="class"' in message and hint in message


@pytest.mark.parametrize('teacher', [DEIT, CONVNEXT])
def test_class_semantic_term_without_a_map_at_another_width(teacher, student):
    """'class' needs only f and the logits, like 'grad', but no equal
    widths: DeiT's class token (192) and ConvNeXt's in-backbone pooling
    (768) against a 64-wide ResNet20 student, 1000 classes."""
    result = estimator(teacher, semantic='class').score(student)
    assert math.isfinite(result['semantic']) and result['semantic'] > 0
    assert 0 < result['relation'] < 1


def test_cam_from_a_convnext_map(student):
    """ConvNeXt giving its map (gap_before_final_norm=False, GAP neck) works
    with the 'cam' term at any widths."""
    cfg = load_model_config(CONVNEXT).cfg
    cfg['backbone']['gap_before_final_norm'] = False
    cfg['neck'] = dict(type='GlobalAveragePooling')
    result = estimator(cfg, semantic='cam').score(student)
    assert 0 < result['semantic'] < 1 and 0 < result['relation'] < 1


def test_not_a_classifier_names_the_teacher(student):
    with pytest.raises(
            ValueError, match='teacher Linear.*mmpretrain '
            'classifier'):
        estimator(torch.nn.Linear(3, 3))


def test_pool_linear_classifiers_score_as_before(sample_batch):
    """For GAP + LinearClsHead (every built-in space and teacher), f is
    exactly GAP(A) as before the change: S1 scores are unchanged."""
    from conftest import select
    supernet = build_model(
        Config.fromfile(
            f'{REPO}/configs/_base_/models/s1_cifar_resnet_supernet.py').model)
    inputs = sample_batch[0]
    for arch in ('111', '357', '777'):
        select(supernet, arch)
        random_init_(supernet, 'gaussian', 0)
        with torch.no_grad(), batch_statistics(supernet):
            feat, pooled, logits = classifier_forward(supernet, inputs)
        assert torch.equal(pooled, feat.mean((2, 3)))
        assert torch.equal(logits,
                           supernet.architecture.head.fc(feat.mean((2, 3))))
