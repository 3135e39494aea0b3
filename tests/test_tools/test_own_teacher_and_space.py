"""Issue 21 acceptance: your teacher, your search space, search -> distil
-> test.

Each cell: tools/search.py (1 generation, few candidates) with a teacher
checkpoint -> the generated distill_diswot_plus.py trains 2 iterations
(tools/train.py, embedded sample images) with that same teacher checkpoint
-> the student-only checkpoint of the converter -> tools/test.py with the
generated student.py, which tests exactly the trained weights.
"""
import json
import math
import os
import re

import pytest
import torch
from conftest import REPO, run_forked

from diswot_mm.models.builder import build_model, load_model_config
from diswot_mm.utils.checkpoint import load_checkpoint_file

SMALL = [
    'train_cfg.max_epochs=1', 'train_cfg.num_candidates=3',
    'train_cfg.top_k=1', 'train_cfg.num_mutation=1',
    'train_cfg.num_crossover=1', 'train_cfg.estimator.repeats=1'
]


def run(args, tmp_path):
    env = dict(
        os.environ,
        PYTHONWARNINGS='ignore',
        OMP_NUM_THREADS='1',
        PYTHONPATH=os.pathsep.join(
            [str(tmp_path), REPO,
             os.environ.get('PYTHONPATH', '')]))
    result = run_forked(args, timeout=1200, env=env)
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def docs_example(tmp_path):
    """The custom space of docs/add_search_space.md, as a user copies it:
    my_project/kernel_space.py and configs/my_kernel_search.py."""
    text = open(f'{REPO}/docs/add_search_space.md').read()
    text = text[text.index('## Worked example'):]
    space, config = re.findall(r'```python\n(.*?)```', text, re.S)[:2]
    (tmp_path / 'my_project').mkdir()
    (tmp_path / 'my_project' / '__init__.py').write_text('')
    (tmp_path / 'my_project' / 'kernel_space.py').write_text(space)
    path = tmp_path / 'my_kernel_search.py'
    path.write_text(
        config.replace("'./diswot_cifar100.py'",
                       f"'{REPO}/configs/diswot_cifar100.py'"))
    return str(path)


def wrn_cifar100(tmp_path):
    return 'configs/diswot_cifar100.py', [
        'train_cfg.estimator.teacher=configs/_base_/models/'
        'wrn_40_2_cifar.py', 'train_cfg.estimator.semantic=cam'
    ]


def resnet110_docs_space(tmp_path):
    return docs_example(tmp_path), []


def mobilenet_v2_spos(tmp_path):
    # 4 of the 20 fallback images at 224 (what is checked is the wiring)
    return 'configs/diswot_spos_shufflenet_imagenet.py', [
        'train_cfg.sample_fallback.dataloader.batch_size=4'
    ]


def deit_tiny_s1(tmp_path):
    """DeiT-tiny at 100 classes: relation term only (class token)."""
    teacher = tmp_path / 'deit_tiny_cifar100.py'
    teacher.write_text(
        "_base_ = ['mmpretrain::deit/deit-tiny_4xb256_in1k.py']\n"
        'model = dict(head=dict(num_classes=100))\n')
    return 'configs/diswot_cifar100.py', [
        f'train_cfg.estimator.teacher={teacher}',
        'train_cfg.estimator.semantic_weight=0'
    ]


#: DisWOT+'s L_Ms for each semantic variant of the search.
LOSS_MS = {
    'grad': 'SemanticSimilarityLoss',
    'class': 'ClassSimilarityLoss',
    'cam': 'ClassGramSimilarityLoss'
}

TINY_TRAIN = '''_base_ = ['{base}']
sample_dataset = dict(
    _delete_=True, type='CIFARSamples', subset='{subset}',
    pipeline=[{resize}dict(type='mmpretrain.PackInputs')])
train_dataloader = dict(batch_size=4, num_workers=0, dataset=sample_dataset)
val_dataloader = dict(batch_size=4, num_workers=0, dataset=sample_dataset)
test_dataloader = val_dataloader
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=2, val_interval=2)
param_scheduler = []
# 4 images, not the recipe's 256: a smaller step, clipped as docs advise
optim_wrapper = dict(optimizer=dict(lr=0.01), clip_grad=dict(max_norm=10))
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(by_epoch=False, interval=2))
'''
TINY_TEST = '''_base_ = ['{base}']
test_dataloader = dict(
    batch_size=4, num_workers=0,
    dataset=dict(_delete_=True, type='CIFARSamples', subset='cifar100',
                 pipeline=[{resize}dict(type='mmpretrain.PackInputs')]))
test_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))
test_cfg = dict()
'''


def top1_of(config: str, state: dict) -> float:
    """Top-1 (%) of the config's model with ``state`` on its test set,
    counted here (no Runner)."""
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate

    from diswot_mm.registry import DATASETS, build_in_scope
    cfg = Config.fromfile(config)
    model = build_in_scope(cfg.model)
    model.load_state_dict(state)
    model.eval()
    dataset = build_in_scope(cfg.test_dataloader.dataset, DATASETS)
    data = model.data_preprocessor(
        pseudo_collate([dataset[i] for i in range(len(dataset))]), False)
    with torch.no_grad():
        logits = model(data['inputs'], mode='tensor')
    assert torch.isfinite(logits).all()
    predicted = logits.argmax(1)
    labels = torch.cat([s.gt_label for s in data['data_samples']])
    return float((predicted == labels).float().mean() * 100)


@pytest.mark.parametrize(
    'cell',
    [wrn_cifar100, resnet110_docs_space, mobilenet_v2_spos, deit_tiny_s1])
@pytest.mark.subprocess
def test_search_then_distil_with_the_search_teacher(cell, tmp_path,
                                                    monkeypatch):
    config, options = cell(tmp_path)
    teacher = next(
        (o.split('=', 1)[1]
         for o in options if o.startswith('train_cfg.estimator.teacher=')),
        None)
    from mmengine.config import Config
    cfg = Config.fromfile(
        config if os.path.isabs(config) else f'{REPO}/{config}',
        import_custom_modules=False)
    teacher = teacher or cfg.train_cfg.estimator.teacher
    resolved = load_model_config(teacher)
    ckpt = tmp_path / 'teacher.pth'
    torch.manual_seed(0)
    state = build_model(resolved.cfg).state_dict()
    torch.save(dict(state_dict=state), ckpt)

    work = tmp_path / 'search'
    result = run([
        'tools/search.py', config, '--work-dir',
        str(work), '--cfg-options', *SMALL, *options,
        f'train_cfg.estimator.teacher_ckpt={ckpt}'
    ], tmp_path)
    plus = work / 'distill_diswot_plus.py'
    assert plus.is_file() and (work / 'student.py').is_file()
    # the config carries the checkpoint: the closing line asks for none
    assert f'Distil it: bash tools/dist_train.sh {plus} N\n' in result.stdout
    generated = Config.fromfile(str(plus), import_custom_modules=False)
    assert generated.model.teacher_ckpt == str(ckpt)
    assert generated.model.teacher.backbone.type == \
        resolved.cfg['backbone']['type']
    if cfg.get('custom_imports'):
        assert generated.custom_imports == cfg.custom_imports
    semantic = dict(o.split('=', 1)
                    for o in options).get('train_cfg.estimator.semantic',
                                          cfg.train_cfg.estimator.semantic)
    if 'semantic_weight=0' not in ' '.join(options):  # L_Ms = the metric
        assert generated.model.distiller.distill_losses.loss_ms.type == \
            LOSS_MS[semantic]
    best = json.load(open(work / 'candidates.json'))['best']['arch']
    assert best and not best.startswith('{')  # a compact key

    imagenet = resolved.cfg['head']['num_classes'] == 1000
    tiny = tmp_path / 'tiny.py'
    tiny.write_text(
        TINY_TRAIN.format(
            base=plus,
            subset='cifar100',
            resize="dict(type='mmpretrain.Resize', scale=224), "
            if imagenet else ''))
    train = tmp_path / 'train'
    run(['tools/train.py', str(tiny), '--work-dir', str(train)], tmp_path)
    trained = torch.load(
        train / 'iter_2.pth', map_location='cpu',
        weights_only=False)['state_dict']
    # distilled from the very teacher checkpoint the search used
    for key, value in state.items():
        assert torch.equal(trained[f'teacher.{key}'], value), key
    logged = [
        json.loads(line)
        for line in open(next(train.glob('*/vis_data/scalars.json')))
    ]
    losses = [e for e in logged if 'loss' in e]
    assert len(losses) == 2
    for entry in losses:
        assert math.isfinite(entry['distill.loss_mr'])
        if 'semantic_weight=0' not in ' '.join(options):
            assert math.isfinite(entry['distill.loss_ms'])
        else:
            assert 'distill.loss_ms' not in entry

    # the student alone: converter -> tools/test.py with student.py
    student_pth = tmp_path / 'student.pth'
    run([
        'tools/model_converters/convert_kd_ckpt_to_student.py',
        str(train / 'iter_2.pth'), '--out',
        str(student_pth)
    ], tmp_path)
    student_state = load_checkpoint_file(str(student_pth),
                                         'checkpoint')['state_dict']
    distilled = {
        k[len('architecture.'):]: v
        for k, v in trained.items() if k.startswith('architecture.')
    }
    assert student_state.keys() == distilled.keys()
    assert all(torch.equal(student_state[k], v) for k, v in distilled.items())
    test_cfg = tmp_path / 'tiny_test.py'
    test_cfg.write_text(
        TINY_TEST.format(
            base=work / 'student.py',
            resize="dict(type='mmpretrain.Resize', scale=224), "
            if imagenet else ''))
    tested = run([
        'tools/test.py',
        str(test_cfg),
        str(student_pth), '--work-dir',
        str(tmp_path / 'test')
    ], tmp_path)
    log = tested.stdout + tested.stderr
    assert 'missing keys' not in log and 'unexpected key' not in log
    metrics = json.load(open(tmp_path / 'test' / 'test_metrics.json'))
    monkeypatch.syspath_prepend(str(tmp_path))  # a custom space's module
    assert metrics['accuracy/top1'] == pytest.approx(
        top1_of(str(test_cfg), distilled))
