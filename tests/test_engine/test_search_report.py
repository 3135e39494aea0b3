"""The distillation configs a search writes follow the search (issue 21):
its teacher and checkpoint, its semantic term, its custom_imports."""
import pytest
import torch
import torch.nn.functional as F
from conftest import REPO
from mmengine.config import Config

from diswot_mm.engine.runner.search_report import distill_overrides
from diswot_mm.models.losses import ClassGramSimilarityLoss
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


def estimator(**kwargs):
    return TASK_UTILS.build(dict(type='DisWOTEstimator', **kwargs))


def test_the_search_teacher_and_checkpoint_replace_the_base_ones(tmp_path):
    """Issue 21 row: distill_*.py used the ResNet110 teacher of their base
    config after a search for a WRN-40-2 teacher."""
    from diswot_mm.models.builder import build_model
    ckpt = tmp_path / 'wrn.pth'
    torch.save(dict(state_dict=build_model(WRN).state_dict()), ckpt)
    est = estimator(teacher=WRN, teacher_ckpt=str(ckpt), semantic='cam')
    out = distill_overrides(est, Config.fromfile(PLUS).model)
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
    grad = distill_overrides(estimator(teacher=teacher), base)['distiller']
    assert grad['distill_losses']['loss_ms']['type'] == \
        'SemanticSimilarityLoss'
    none = distill_overrides(
        estimator(teacher=teacher, semantic_weight=0), base)['distiller']
    assert 'loss_ms' not in none['distill_losses']
    assert 'loss_ms' not in none['loss_forward_mappings']
    assert 'loss_mr' in none['distill_losses']
