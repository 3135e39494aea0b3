"""ImageNet distillation configs (ResNet34 teacher): ResNet18 and the
student that configs/diswot_imagenet.py finds, KD and DisWOT+, a few SGD
steps on the embedded images resized to 224."""
import os

import pytest
import torch
import torch.nn.functional as F
from conftest import REPO, run_forked
from mmengine.config import Config
from mmpretrain.structures import DataSample

from diswot_mm.registry import build_in_scope

CONFIGS = {
    'kd': 'configs/distill/kd_resnet34_resnet18_imagenet.py',
    'diswot_plus': 'configs/distill/diswot_plus_resnet34_resnet18_imagenet.py'
}


@pytest.fixture(scope='module')
def batch(sample_batch):
    inputs, labels = sample_batch
    return F.interpolate(inputs[:4], size=224, mode='bilinear'), labels[:4]


def few_steps(cfg, batch, steps=3):
    """``steps`` SGD steps with the gradient norm clipped at 10, as the
    docs advise for DisWOT+ (unclipped, 4 of 5 seeds raised the DisWOT+
    loss at step 2 here; clipped, all 5 fell); seeded."""
    cfg.model.require_teacher_ckpt = False  # a random teacher for the test
    torch.manual_seed(0)
    model = build_in_scope(cfg.model)
    model.train()
    inputs, labels = batch
    samples = [DataSample().set_gt_label(int(y)) for y in labels]
    optimizer = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad],
        lr=0.01,
        momentum=0.9)
    totals = []
    for _ in range(steps):
        losses = model(inputs, samples, mode='loss')
        assert all(torch.isfinite(v) for v in losses.values()), losses
        total = sum(losses.values())
        optimizer.zero_grad()
        total.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10)
        optimizer.step()
        totals.append(float(total.detach()))
    return model, losses, totals


@pytest.mark.parametrize('name', ['kd', 'diswot_plus'])
def test_resnet34_to_resnet18(name, batch):
    cfg = Config.fromfile(f'{REPO}/{CONFIGS[name]}')
    assert cfg.train_dataloader.batch_size * 8 == 256
    assert cfg.train_cfg.max_epochs == 100
    assert cfg.optim_wrapper.optimizer.type == 'SGD'
    model, losses, totals = few_steps(cfg, batch)
    assert model.teacher.backbone.depth == 34
    assert model.student.backbone.depth == 18
    assert totals[-1] < totals[0]
    expected = {'student.loss', 'distill.loss_kl'}
    if name == 'diswot_plus':
        expected |= {'distill.loss_ms', 'distill.loss_mr'}
    assert set(losses) == expected


@pytest.mark.subprocess
def test_search_writes_imagenet_distill_configs_for_its_student(
        tmp_path, batch):
    result = run_forked([
        'tools/search.py', 'configs/diswot_imagenet.py', '--work-dir',
        str(tmp_path), '--cfg-options', 'train_cfg.estimator.repeats=1',
        'train_cfg.max_epochs=1', 'train_cfg.num_candidates=2',
        'train_cfg.top_k=1', 'train_cfg.num_mutation=0',
        'train_cfg.num_crossover=0',
        'train_cfg.sample_fallback.dataloader.batch_size=4'
    ],
                        env=dict(os.environ, PYTHONWARNINGS='ignore'))
    assert result.returncode == 0, result.stderr[-3000:]
    for name in CONFIGS:
        written = tmp_path / f'distill_{name.replace("kd", "diswot")}.py'
        cfg = Config.fromfile(str(written))
        assert cfg.model.architecture.type == 'fixed_subnet'
        assert cfg.model.teacher.backbone.depth == 34
        if name == 'diswot_plus':
            model, losses, _ = few_steps(cfg, batch, steps=1)
            assert {'distill.loss_ms', 'distill.loss_mr'} <= set(losses)
            assert type(model.student.backbone).__name__ == \
                'SearchableImageNetResNet'
