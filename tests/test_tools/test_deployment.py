"""tools/deployment/pytorch2onnx.py: a student exported to ONNX runs on
onnxruntime with torch's logits (S1 ResNet20, an NB201 cell, the SPOS
ShuffleNetV2 candidate, a distilled student); wrong inputs and operations
ONNX cannot express are clear errors."""
import json
import os
import random

import onnx
import pytest
import torch
import torch.nn as nn
import yaml
from conftest import REPO, run_forked
from mmengine.config import Config

from diswot_mm.deployment import (Logits, UnexportableError, export_onnx,
                                  ort_session, parity)
from diswot_mm.models.search_spaces import name_unaliased_mutables
from diswot_mm.models.search_spaces.utils import group_aliases
from diswot_mm.registry import build_in_scope

TOOL = 'tools/deployment/pytorch2onnx.py'


def run(*args):
    return run_forked([TOOL, *map(str, args)],
                      env=dict(os.environ, PYTHONWARNINGS='ignore'))


def write_fix_subnet(config: str, path, choose) -> dict:
    """A fix_subnet YAML of ``config``'s space, as tools/search.py writes
    it (``{alias: {'chosen': value}}``); ``choose(alias, choices)`` picks."""
    cfg = Config.fromfile(f'{REPO}/{config}')
    with torch.device('meta'):
        model = build_in_scope(cfg.model)
    name_unaliased_mutables(model.architecture)
    aliases = group_aliases(model.mutator)
    subnet = {
        aliases[group]:
        dict(chosen=choose(aliases[group], list(mutables[0].choices)))
        for group, mutables in model.mutator.search_groups.items()
    }
    path.write_text(yaml.safe_dump(subnet))
    return subnet


def report_of(out) -> dict:
    return json.loads(out.with_suffix('.json').read_text())


def check_report(out, shape, n_params):
    """The exported file is a valid graph of ``shape`` with onnxruntime's
    logits equal to torch's on the 20 embedded images."""
    onnx.checker.check_model(onnx.load(str(out)))
    report = report_of(out)
    assert report['input']['shape'] == shape
    assert report['params'] == n_params
    check = report['parity']
    assert check['images'] == 20
    assert check['max_abs_diff'] <= check['tolerance']
    assert check['top1_agreement'] == 1.0
    assert report['latency']['median_ms'] > 0
    assert report['latency']['threads'] == 1
    return report


@pytest.mark.subprocess
def test_s1_resnet20_candidate_exports(tmp_path):
    """The S1 search config with the fix_subnet of ResNet20 (3-3-3
    blocks): the graph has ResNet20's parameters."""
    subnet = tmp_path / 'resnet20.yaml'
    write_fix_subnet('configs/diswot_cifar100.py', subnet, lambda a, c: 3)
    out = tmp_path / 'resnet20.onnx'
    result = run('configs/diswot_cifar100.py', '--fix-subnet', subnet, '--out',
                 out, '--runs', 5)
    assert result.returncode == 0, result.stderr[-3000:]
    resnet20 = build_in_scope(
        Config.fromfile(f'{REPO}/configs/students/resnet20_cifar100.py').model)
    report = check_report(out, [1, 3, 32, 32],
                          sum(p.numel() for p in resnet20.parameters()))
    assert report['weights'].startswith('random init')
    assert 'top-1 agreement 100%' in result.stdout


@pytest.mark.subprocess
def test_nb201_cell_exports_with_a_dynamic_batch(tmp_path):
    subnet = tmp_path / 'cell.yaml'
    rng = random.Random(0)
    write_fix_subnet('configs/diswot_nb201_cifar100.py', subnet,
                     lambda a, choices: rng.choice(choices))
    out = tmp_path / 'cell.onnx'
    result = run('configs/diswot_nb201_cifar100.py', '--fix-subnet', subnet,
                 '--out', out, '--dynamic-batch', '--runs', 5)
    assert result.returncode == 0, result.stderr[-3000:]
    cell = build_in_scope(
        dict(
            type='fixed_subnet',
            cfg=Config.fromfile(
                f'{REPO}/configs/diswot_nb201_cifar100.py').model.architecture,
            fix_subnet=str(subnet)))
    check_report(out, ['batch', 3, 32, 32],
                 sum(p.numel() for p in cell.parameters()))
    # the symbolic batch runs all 20 images at once
    logits = ort_session(str(out)).run(
        ['logits'], {'input': torch.zeros(20, 3, 32, 32).numpy()})[0]
    assert logits.shape == (20, 100)


@pytest.mark.subprocess
def test_spos_shufflenet_candidate_exports_at_224(tmp_path):
    subnet = tmp_path / 'spos.yaml'
    rng = random.Random(1)
    write_fix_subnet('configs/diswot_spos_shufflenet_imagenet.py', subnet,
                     lambda a, choices: rng.choice(choices))
    out = tmp_path / 'spos.onnx'
    result = run('configs/diswot_spos_shufflenet_imagenet.py', '--fix-subnet',
                 subnet, '--out', out, '--shape', 1, 3, 224, 224, '--runs', 3)
    assert result.returncode == 0, result.stderr[-3000:]
    report = report_of(out)
    assert report['input']['shape'] == [1, 3, 224, 224]
    assert report['parity']['max_abs_diff'] <= report['parity']['tolerance']
    assert report['input']['preprocessing']['mean'] == pytest.approx(
        [123.675, 116.28, 103.53])


@pytest.fixture
def distilled(tmp_path):
    """tests/data/student_tiny.py's ResNet8 (not at its init) saved as a
    distillation checkpoint (student under ``architecture.``)."""
    model = build_in_scope(
        Config.fromfile(f'{REPO}/tests/data/student_tiny.py').model)
    torch.manual_seed(3)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.1)
    path = tmp_path / 'distill.pth'
    torch.save(
        dict(state_dict={
            f'architecture.{k}': v
            for k, v in model.state_dict().items()
        }), path)
    return path, model


@pytest.mark.subprocess
def test_a_distilled_student_exports_with_its_weights(tmp_path, distilled):
    ckpt, model = distilled
    out = tmp_path / 'deploy' / 'student.onnx'
    result = run('tests/data/student_tiny.py', ckpt, '--out', out, '--runs', 5)
    assert result.returncode == 0, result.stderr[-3000:]
    report = check_report(out, [1, 3, 32, 32],
                          sum(p.numel() for p in model.parameters()))
    assert report['weights'] == str(ckpt)
    # the graph holds the checkpoint's weights, not a fresh init
    model.eval()
    images = torch.randn(2, 3, 32, 32)
    expected = model(images, mode='tensor').detach().numpy()
    got = ort_session(str(out)).run(['logits'],
                                    {'input': images[:1].numpy()})[0]
    assert abs(got - expected[:1]).max() < 1e-4
    # the user's export is never overwritten unasked
    again = run('tests/data/student_tiny.py', ckpt, '--out', out)
    assert again.returncode != 0
    assert 'exist: give another --out, or --force' in again.stderr
    assert run('tests/data/student_tiny.py', ckpt, '--out', out, '--force',
               '--runs', 2).returncode == 0


@pytest.mark.parametrize(
    'args, message', [
        (['configs/diswot_cifar100.py'], 'give CHECKPOINT'),
        (['configs/diswot_cifar100.py', 'x.pth'], 'is a search config'),
        (['tests/data/student_tiny.py', '--fix-subnet', 'x.yaml'
          ], '--fix-subnet needs the search config'),
        (['tests/data/student_tiny.py', 'missing.pth'
          ], "checkpoint='missing.pth' does not exist"),
        (['tests/data/student_tiny.py', 'x.pth', '--shape', 1, 1, 32, 32
          ], 'give 3 channels'),
    ],
    ids=[
        'no weights', 'search config', 'fix_subnet of a student',
        'missing checkpoint', 'gray'
    ])
@pytest.mark.subprocess
def test_wrong_inputs_are_one_clear_error(tmp_path, args, message):
    result = run(*args, '--out', tmp_path / 'x.onnx')
    assert result.returncode != 0
    assert message in result.stderr
    assert 'Traceback' not in result.stderr or 'FileNotFoundError' in \
        result.stderr
    assert not (tmp_path / 'x.onnx').exists()


@pytest.mark.subprocess
def test_a_checkpoint_of_another_student_is_refused(tmp_path, distilled):
    ckpt, _ = distilled
    result = run('configs/students/resnet20_cifar100.py', ckpt, '--out',
                 tmp_path / 'x.onnx')
    assert result.returncode != 0
    assert 'does not fit the configured ImageClassifier' in result.stderr
    assert not (tmp_path / 'x.onnx').exists()


class FFTMix(nn.Module):
    """A block ONNX (opset 17) cannot express: torch.fft."""

    def forward(self, x):
        return torch.fft.fft2(x).abs() + x


def test_an_unexportable_op_names_its_module(tmp_path):
    model = build_in_scope(
        Config.fromfile(f'{REPO}/tests/data/student_tiny.py').model)
    block = model.backbone.stages[1][0]
    block.conv1 = nn.Sequential(FFTMix(), block.conv1)
    path = tmp_path / 'x.onnx'
    with pytest.raises(UnexportableError) as err:
        export_onnx(Logits(model).eval(), torch.zeros(1, 3, 32, 32), str(path))
    assert str(err.value).startswith(
        'backbone.stages.1.0.conv1.0 (FFTMix) cannot be exported to ONNX')
    assert 'fft_fft2' in str(err.value)
    assert not path.exists()


def test_parity_finds_a_graph_that_differs(tmp_path):
    """The check can fail: a graph exported from other weights."""
    cfg = Config.fromfile(f'{REPO}/tests/data/student_tiny.py')
    model = Logits(build_in_scope(cfg.model)).eval()
    images = torch.randn(4, 3, 32, 32)
    path = str(tmp_path / 'a.onnx')
    export_onnx(model, images[:1], path)
    session = ort_session(path)
    same = parity(model, session, images, batch=1)
    assert same['max_abs_diff'] < 1e-5 and same['top1_agreement'] == 1.0
    with torch.no_grad():
        model.model.head.fc.bias.add_(1.0)
    other = parity(model, session, images, batch=1)
    assert other['max_abs_diff'] == pytest.approx(1.0, abs=1e-4)
