"""The distillation configs a search writes follow the search (issue 21):
its teacher and checkpoint, its semantic term, its custom_imports."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import REPO
from mmengine.config import Config

from diswot_mm.engine.hooks.search_report import config_text
from diswot_mm.models.functional import SEMANTIC_VARIANTS
from diswot_mm.models.losses import (ClassGramSimilarityLoss,
                                     ClassSimilarityLoss)
from diswot_mm.registry import TASK_UTILS

PLUS = f'{REPO}/configs/distill/diswot_plus_resnet110_resnet20_cifar100.py'
WRN = 'configs/_base_/models/wrn_40_2_cifar.py'


def test_class_gram_loss_is_the_papers_formula():
    """L_Ms for unequal widths: mean_b ||K^_T,b - K^_S,b||_F^2 / N^2, with
    K_b = M_b M_b^T, M_b = W A_b (N x HW), rows L2-normalised."""
    torch.manual_seed(0)
    feat_s, w_s = torch.randn(4, 8, 3, 3), torch.randn(5, 8)
    feat_t, w_t = torch.randn(4, 16, 2, 2), torch.randn(5, 16)
    expected = 0.0
    for b in range(4):
        grams = []
        for feat, w in ((feat_t, w_t), (feat_s, w_s)):
            m = w @ feat[b].reshape(feat.shape[1], -1)
            grams.append(F.normalize(m @ m.t(), dim=1))
        expected += ((grams[0] - grams[1])**2).sum() / 5**2
    expected /= 4
    loss = ClassGramSimilarityLoss(loss_weight=0.5)(feat_s.requires_grad_(),
                                                    w_s, feat_t, w_t)
    assert loss.item() == pytest.approx(0.5 * expected.item(), rel=1e-5)
    loss.backward()
    assert feat_s.grad.abs().sum() > 0


def test_class_similarity_loss_is_the_formula_for_unequal_widths():
    """L_Ms "class": g = (softmax(z) - onehot(y))^T f / B per network,
    Q = g g^T (N x N), rows / max(||row||, 1e-12), ||Q^_T - Q^_S||_F^2 / N^2;
    teacher width 16, student 8."""
    from mmpretrain.structures import DataSample
    torch.manual_seed(0)
    labels = torch.tensor([0, 2, 2, 4])
    pooled_s, logits_s = torch.randn(4, 8), torch.randn(4, 5)
    pooled_t, logits_t = torch.randn(4, 16), torch.randn(4, 5)
    sims = []
    for pooled, logits in ((pooled_t, logits_t), (pooled_s, logits_s)):
        g = (logits.softmax(1) - F.one_hot(labels, 5)).t() @ pooled / 4
        q = g @ g.t()
        sims.append(q / q.norm(dim=1, keepdim=True).clamp_min(1e-12))
    expected = ((sims[0] - sims[1])**2).sum() / 5**2
    samples = [DataSample().set_gt_label(int(y)) for y in labels]
    loss = ClassSimilarityLoss(loss_weight=0.5)(pooled_s.requires_grad_(),
                                                logits_s.requires_grad_(),
                                                pooled_t, logits_t, samples)
    assert loss.item() == pytest.approx(0.5 * expected.item(), rel=1e-5)
    loss.backward()
    assert pooled_s.grad.abs().sum() > 0 and logits_s.grad.abs().sum() > 0


def estimator(**kwargs):
    return TASK_UTILS.build(dict(type='DisWOTEstimator', **kwargs))


def test_the_search_teacher_and_checkpoint_replace_the_base_ones(tmp_path):
    """Issue 21 row: distill_*.py used the ResNet110 teacher of their base
    config after a search for a WRN-40-2 teacher."""
    from diswot_mm.models.builder import build_model
    ckpt = tmp_path / 'wrn.pth'
    torch.save(dict(state_dict=build_model(WRN).state_dict()), ckpt)
    est = estimator(teacher=WRN, teacher_ckpt=str(ckpt), semantic='cam')
    out = est.distill_overrides(Config.fromfile(PLUS).model)
    assert out['teacher']['backbone']['type'] == 'WideResNetCIFAR'
    assert out['teacher']['_delete_'] is True
    assert out['teacher_ckpt'] == str(ckpt)
    distiller = out['distiller']
    assert distiller['distill_losses']['loss_ms']['type'] == \
        'ClassGramSimilarityLoss'
    assert distiller['distill_losses']['loss_ms']['loss_weight'] == 0.1
    assert distiller['teacher_recorders']['fc_weight'] == dict(
        type='Parameter', source='head.fc.weight')
    assert set(distiller['loss_forward_mappings']['loss_ms']) == {
        'feat_S', 'weight_S', 'feat_T', 'weight_T'
    }


def test_grad_keeps_the_base_loss_and_weight_zero_drops_it():
    teacher = 'configs/_base_/models/resnet56_cifar.py'
    base = Config.fromfile(PLUS).model
    grad = estimator(teacher=teacher).distill_overrides(base)['distiller']
    assert grad['distill_losses']['loss_ms']['type'] == \
        'SemanticSimilarityLoss'
    none = estimator(
        teacher=teacher,
        semantic_weight=0).distill_overrides(base)['distiller']
    assert 'loss_ms' not in none['distill_losses']
    assert 'loss_ms' not in none['loss_forward_mappings']
    assert 'loss_mr' in none['distill_losses']


def test_class_semantic_swaps_in_the_class_similarity_loss():
    """semantic='class' (WRN-40-2 teacher, width 128; ResNet20 student, 64):
    L_Ms is ClassSimilarityLoss with the base's weight and the "grad"
    loss's inputs (pooled features, logits, samples)."""
    base = Config.fromfile(PLUS).model
    out = estimator(teacher=WRN, semantic='class').distill_overrides(base)
    distiller = out['distiller']
    assert distiller['distill_losses']['loss_ms'] == dict(
        type='ClassSimilarityLoss', loss_weight=0.1)
    assert distiller['loss_forward_mappings']['loss_ms'] == \
        base.distiller.loss_forward_mappings.loss_ms.to_dict()


def test_config_text_reads_back_as_written(tmp_path):
    """The generated configs' text: read back by mmengine, the same values;
    short values on one line, every line within 79 columns."""
    content = dict(
        model=dict(
            architecture=dict(
                _delete_=True,
                cfg=dict(
                    backbone=dict(
                        blocks=[[1, 3, 5, 7]] * 3,
                        type='SearchableCIFARResNet'),
                    mean=[129.304, 124.07, 112.434]),
                fix_subnet='/tmp/best_fix_subnet.yaml'),
            teacher_ckpt=None,
            long=list(range(40))),
        odd={
            'a.b': (1, ),
            'quote': "it's",
            'n': np.int64(3),
            'f': np.float32(0.5)
        },
        keyword={
            'from': 'a Python keyword',
            'b': 2
        },
        flag=True)
    text = config_text(content)
    assert max(map(len, text.splitlines())) <= 79
    assert 'blocks=[[1, 3, 5, 7], [1, 3, 5, 7], [1, 3, 5, 7]],' in text
    path = tmp_path / 'generated.py'
    path.write_text(text)
    expected = dict(content, odd=dict(content['odd'], n=3, f=0.5))
    assert Config.fromfile(str(path)).to_dict() == expected


def test_an_ensemble_hands_off_its_diswot_members_teacher_and_losses():
    """The report asks the estimator (no isinstance on DisWOT): an ensemble
    answers with its DisWOT member's overrides, a teacher-free estimator
    with none, and only DisWOT names terms whose spread is checked."""
    base = Config.fromfile(PLUS).model
    ensemble = TASK_UTILS.build(
        dict(
            type='EnsembleEstimator',
            estimators=dict(
                params=dict(type='ParamsEstimator'),
                diswot=dict(
                    type='DisWOTEstimator', teacher=WRN, semantic='class')),
            terms=dict(params='params.score', diswot='diswot.score')))
    member = ensemble.members['diswot']
    assert ensemble.distill_overrides(base) == member.distill_overrides(base)
    assert ensemble.distill_overrides(base)['distiller']['distill_losses'][
        'loss_ms']['type'] == SEMANTIC_VARIANTS['class'].loss
    params = ensemble.members['params']
    assert params.distill_overrides(base) == {}
    assert params.term_weights() is None and ensemble.term_weights() is None
    assert member.term_weights() == dict(semantic=1.0, relation=1.0)
