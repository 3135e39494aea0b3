"""Distillation: DisWOT / DisWOT+ / KD configs optimise on real images, the
losses are the search metrics, teacher checkpoints are checked, tools run
(2-process gloo, resume, test)."""
import json
import math
import os
import subprocess
import sys

import pytest
import torch
from conftest import REPO, free_port, run_forked
from mmengine import fileio
from mmengine.config import Config
from mmpretrain.structures import DataSample

from diswot_mm.datasets import load_minibatch
from diswot_mm.models.functional import (gradcam_weights, relation_distance,
                                         relation_matrix, semantic_distance)
from diswot_mm.registry import build_in_scope
from diswot_mm.utils.checkpoint import load_checkpoint_file

KD = 'configs/distill/kd_resnet110_resnet20_cifar100.py'
PLUS = 'configs/distill/diswot_plus_resnet110_resnet20_cifar100.py'


def build_distill(path, student=None, **model_options):
    cfg = Config.fromfile(f'{REPO}/{path}')
    cfg.model.teacher.backbone.arch = 'resnet20'  # small random teacher
    cfg.model.require_teacher_ckpt = False
    if student is not None:
        cfg.model.architecture = student
    cfg.model.update(model_options)
    return build_in_scope(cfg.model)


def searched_student(tmp_path):
    """The DisWOT student: an S1 subnet from a fix_subnet YAML."""
    fileio.dump(
        {
            f'stage{i}_blocks': dict(chosen=c)
            for i, c in ((1, 1), (2, 3), (3, 3))
        }, str(tmp_path / 'best_fix_subnet.yaml'))
    supernet = Config.fromfile(
        f'{REPO}/configs/_base_/models/s1_cifar_resnet_supernet.py')
    arch = supernet.model.architecture
    arch.head.loss.loss_weight = 0.1
    return dict(
        type='fixed_subnet',
        cfg=arch,
        fix_subnet=str(tmp_path / 'best_fix_subnet.yaml'))


def samples(labels):
    return [DataSample().set_gt_label(int(y)) for y in labels]


@pytest.mark.parametrize('name', ['kd', 'diswot', 'diswot_plus'])
def test_few_steps_lower_the_loss(name, sample_batch, tmp_path):
    torch.manual_seed(0)
    model = {
        'kd': lambda: build_distill(KD),
        'diswot': lambda: build_distill(KD, searched_student(tmp_path)),
        'diswot_plus': lambda: build_distill(PLUS),
    }[name]()
    model.train()
    inputs, labels = sample_batch
    optimizer = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad],
        lr=0.02,
        momentum=0.9)
    totals = []
    for _ in range(8):
        losses = model(inputs, samples(labels), mode='loss')
        for key, value in losses.items():
            assert torch.isfinite(value), key
        total = sum(losses.values())
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        totals.append(float(total.detach()))
    assert totals[-1] < totals[0]
    expected = {'student.loss', 'distill.loss_kl'}
    if name == 'diswot_plus':
        expected |= {'distill.loss_ms', 'distill.loss_mr'}
    assert set(losses) == expected
    if name == 'diswot':
        assert [len(s) for s in model.student.backbone.stages] == [1, 3, 3]


def test_recorders_hook_the_intended_layers(sample_batch):
    model = build_distill(PLUS)
    inputs, labels = sample_batch
    model(inputs, samples(labels), mode='loss')
    for recorders in (model.distiller.student_recorders,
                      model.distiller.teacher_recorders):
        feat = recorders.get_recorder('feat').get_record_data(data_idx=-1)
        pooled = recorders.get_recorder('pooled').get_record_data(data_idx=0)
        logits = recorders.get_recorder('logits').get_record_data()
        assert feat.shape == (20, 64, 8, 8)
        assert pooled.shape == (20, 64)
        assert logits.shape == (20, 100)
        assert torch.allclose(pooled, feat.mean((2, 3)), atol=1e-5)
    recorded = model.distiller.student_recorders.get_recorder(
        'samples').get_record_data(data_idx=1)
    assert [int(s.gt_label) for s in recorded] == labels.tolist()


def test_losses_equal_the_search_metrics(sample_batch):
    model = build_distill(PLUS)
    inputs, labels = sample_batch
    model(inputs, samples(labels), mode='loss')
    s_rec = model.distiller.student_recorders
    t_rec = model.distiller.teacher_recorders
    feat_s = s_rec.get_recorder('feat').get_record_data(data_idx=-1)
    feat_t = t_rec.get_recorder('feat').get_record_data(data_idx=-1)
    pooled_s = s_rec.get_recorder('pooled').get_record_data(data_idx=0)
    pooled_t = t_rec.get_recorder('pooled').get_record_data(data_idx=0)
    logits_s = s_rec.get_recorder('logits').get_record_data()
    logits_t = t_rec.get_recorder('logits').get_record_data()
    losses = model.distiller.compute_distill_losses()
    weights = {
        name: loss.loss_weight
        for name, loss in model.distiller.distill_losses.items()
    }
    relation = relation_distance(
        relation_matrix(feat_t), relation_matrix(feat_s))
    semantic = semantic_distance(
        gradcam_weights(pooled_t, logits_t, labels),
        gradcam_weights(pooled_s, logits_s, labels))
    assert float(losses['loss_mr']) == pytest.approx(weights['loss_mr'] *
                                                     float(relation))
    assert float(losses['loss_ms']) == pytest.approx(weights['loss_ms'] *
                                                     float(semantic))


def test_teacher_checkpoint_errors(tmp_path):
    with pytest.raises(ValueError, match='teacher_ckpt is not set'):
        build_distill(KD, require_teacher_ckpt=True)
    with pytest.raises(FileNotFoundError, match='tools/train.py'):
        build_distill(KD, teacher_ckpt=str(tmp_path / 'none.pth'))
    cfg = Config.fromfile(f'{REPO}/configs/_base_/models/resnet56_cifar.py')
    resnet56 = build_in_scope(cfg.model)
    ckpt = tmp_path / 'resnet56.pth'
    torch.save(dict(state_dict=resnet56.state_dict()), ckpt)
    with pytest.raises(ValueError) as err:
        build_distill(KD, teacher_ckpt=str(ckpt))  # teacher is ResNet20
    assert 'unexpected keys [backbone.stages.0.3' in str(err.value)
    model = build_distill(KD, teacher=cfg.model, teacher_ckpt=str(ckpt))
    assert torch.equal(model.teacher.head.fc.weight, resnet56.head.fc.weight)


def run_tool(args, **env):
    env = dict(
        os.environ,
        PYTHONWARNINGS='ignore',
        OMP_NUM_THREADS='1',
        PYTHON=sys.executable,
        **env)
    return subprocess.run(
        args, cwd=REPO, capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.subprocess
def test_dist_train_resume_and_test(tmp_path):
    config = 'tests/data/distill_tiny.py'
    first = run_tool([
        'bash', 'tools/dist_train.sh', config, '2', '--work-dir',
        str(tmp_path)
    ],
                     PORT=free_port())
    assert first.returncode == 0, first.stderr[-3000:]
    assert (tmp_path / 'iter_2.pth').is_file()
    resumed = run_tool([
        'bash', 'tools/dist_train.sh', config, '2', '--work-dir',
        str(tmp_path), '--resume', '--cfg-options', 'train_cfg.max_iters=4'
    ],
                       PORT=free_port())
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert 'resumed' in (resumed.stdout + resumed.stderr).lower()
    state = load_checkpoint_file(str(tmp_path / 'iter_4.pth'), 'checkpoint')
    assert state['meta']['iter'] == 4
    tested = run_forked([
        'tools/test.py', config,
        str(tmp_path / 'iter_4.pth'), '--work-dir',
        str(tmp_path / 'test')
    ])
    assert tested.returncode == 0, tested.stderr[-3000:]
    assert 'accuracy/top1' in tested.stdout
    metrics = json.load(open(tmp_path / 'test' / 'test_metrics.json'))
    # the student of iter_4.pth on the config's test images, counted here
    cfg = Config.fromfile(f'{REPO}/{config}')
    model = build_in_scope(cfg.model)
    model.load_state_dict(state['state_dict'])
    model.eval()
    images, labels = load_minibatch(cfg.test_dataloader,
                                    cfg.model.data_preprocessor)
    with torch.no_grad():
        predicted = model.architecture(images, mode='tensor').argmax(1)
    correct = int((predicted == labels).sum())
    assert metrics['accuracy/top1'] == pytest.approx(100 * correct /
                                                     len(labels))


@pytest.mark.subprocess
def test_each_diswot_plus_loss_term_is_logged_and_finite(tmp_path):
    """tools/train.py logs every term (CE, KL, L_Ms, L_Mr) separately, so
    users see their scale, and the gradient norm when it is clipped; the
    configs' weights and clip are those the docs justify."""
    cfg = Config.fromfile(f'{REPO}/{PLUS}')
    losses = cfg.model.distiller.distill_losses
    assert (losses.loss_ms.loss_weight, losses.loss_mr.loss_weight) == (0.1,
                                                                        3000.0)
    e2e = Config.fromfile(f'{REPO}/configs/e2e/distill_diswot_plus_fmnist.py')
    assert e2e.optim_wrapper.clip_grad == dict(max_norm=10)
    result = run_forked([
        'tools/train.py', 'tests/data/distill_tiny.py', '--work-dir',
        str(tmp_path), '--cfg-options', 'optim_wrapper.clip_grad.max_norm=10'
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    logged = [
        entry for entry in map(
            json.loads, open(next(tmp_path.glob('*/vis_data/scalars.json'))))
        if 'loss' in entry
    ]
    terms = ('student.loss', 'distill.loss_kl', 'distill.loss_ms',
             'distill.loss_mr', 'grad_norm')  # grad_norm: with a clip
    for entry in logged:
        for term in terms:
            assert math.isfinite(entry[term]), (term, entry)
    assert len(logged) == 2  # logger interval 1, 2 iterations
    assert 'distill.loss_mr' in result.stdout + result.stderr
