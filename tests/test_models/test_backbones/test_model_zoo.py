"""The CIFAR teacher/student zoo: every model config builds, runs on the
sample images and has RepDistiller's parameter count (CIFAR-100 head)."""
import pytest
import torch
from conftest import REPO
from mmengine.config import Config

from diswot_mm.registry import TASK_UTILS, build_in_scope

# M params with a 100-class head, as reported by RepDistiller / counted
# from its code.
ZOO = {
    'resnet20': 0.278,
    'resnet56': 0.862,
    'resnet110': 1.737,
    'resnet8x4': 1.234,
    'resnet32x4': 7.434,
    'wrn_16_2': 0.703,
    'wrn_40_1': 0.570,
    'wrn_40_2': 2.255,
    'vgg8': 3.965,
    'vgg13': 9.462,
    'mobilenetv2_half': 0.813,
    'shufflev1': 0.949,
    'shufflev2': 1.356,
}


@pytest.mark.parametrize('name', sorted(ZOO))
def test_zoo_model_builds_runs_and_matches_params(name, sample_batch):
    cfg = Config.fromfile(f'{REPO}/configs/_base_/models/{name}_cifar.py')
    model = build_in_scope(cfg.model)
    n_params = sum(p.numel() for p in model.parameters()) / 1e6
    assert n_params == pytest.approx(ZOO[name], abs=1e-3)
    with torch.no_grad():
        logits = model(sample_batch[0][:4], mode='tensor')
    assert logits.shape == (4, 100)
    # usable as a DisWOT teacher or student ("cam" works for any width)
    est = TASK_UTILS.build(
        dict(type='DisWOTEstimator', teacher=cfg.model, semantic='cam'))
    assert est.score(model)['diswot'] < 0
    kind = 'students' if name == 'resnet20' else 'teachers'
    train = Config.fromfile(f'{REPO}/configs/{kind}/{name}_cifar100.py')
    assert train.model.backbone == cfg.model.backbone
