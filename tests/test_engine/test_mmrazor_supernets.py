"""Every supernet of mmrazor's ``_base_/nas_backbones`` searched as a user
writes it (issue 35): SPOS + NasMutator around the shipped backbone, a
CIFAR-100 head, 1 generation of 4 candidates; and the AttentiveNAS space
in mmrazor's own BigNAS form (SearchableImageClassifier, dynamic head,
input resolution searched). Each: distinct candidates with their own
resource counts and a student whose parameters (those its forward uses)
equal its row in candidates.csv."""
import csv
import os

import pytest
import torch
import torch.nn as nn
from conftest import REPO, run_forked
from mmengine.config import Config

from diswot_mm.registry import build_in_scope

USER_CONFIG = '''_base_ = [
    '{repo}/configs/diswot_cifar100.py',
    'mmrazor::_base_/nas_backbones/{backbone}.py',
]
supernet = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor={{{{_base_.model.architecture.data_preprocessor}}}},
    backbone=_base_.nas_backbone,
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(type='mmpretrain.LinearClsHead', num_classes=100,
              in_channels={width},
              loss=dict(type='mmpretrain.CrossEntropyLoss')))
model = dict(_delete_=True, type='mmrazor.SPOS', architecture=supernet,
             mutator=dict(type='mmrazor.NasMutator'))
train_cfg = dict(estimator=dict(semantic='class'),
                 constraints_range=dict(params=(0, 100)))
'''

#: mmrazor's configs/nas/mmcls/bignas/attentive_mobilenet_supernet_32xb64_in1k
#: .py with a CIFAR-100 head and mmpretrain's loss
BIGNAS_CONFIG = '''_base_ = [
    '{repo}/configs/diswot_cifar100.py',
    'mmrazor::_base_/nas_backbones/attentive_mobilenetv3_supernet.py',
]
supernet = dict(
    _scope_='mmrazor',
    type='SearchableImageClassifier',
    data_preprocessor={{{{_base_.model.architecture.data_preprocessor}}}},
    backbone=_base_.nas_backbone,
    neck=dict(type='SqueezeMeanPoolingWithDropout', drop_ratio=0.2),
    head=dict(type='DynamicLinearClsHead', num_classes=100, in_channels=1984,
              loss=dict(type='mmpretrain.CrossEntropyLoss'), topk=(1, 5)),
    input_resizer_cfg=_base_.input_resizer_cfg,
    connect_head=dict(connect_with_backbone='backbone.last_mutable_channels'))
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='BigNAS',
    drop_path_rate=0.2,
    num_random_samples=2,
    backbone_dropout_stages=[6, 7],
    architecture=supernet,
    distiller=dict(
        type='ConfigurableDistiller',
        teacher_recorders=dict(fc=dict(type='ModuleOutputs',
                                       source='head.fc')),
        student_recorders=dict(fc=dict(type='ModuleOutputs',
                                       source='head.fc')),
        distill_losses=dict(loss_kl=dict(type='KLDivergence', tau=1,
                                         loss_weight=1)),
        loss_forward_mappings=dict(loss_kl=dict(
            preds_S=dict(recorder='fc', from_student=True),
            preds_T=dict(recorder='fc', from_student=False)))),
    mutator=dict(type='mmrazor.NasMutator'))
train_cfg = dict(estimator=dict(semantic='class'),
                 constraints_range=dict(params=(0, 100)))
'''

#: backbone -> final width
SUPERNETS = {
    'darts_supernet': 256,
    'dsnas_shufflenet_supernet': 1024,
    'spos_shufflenet_supernet': 1024,
    'spos_mobilenet_supernet': 1728,
    'attentive_mobilenetv3_supernet': 1984,
    'ofa_mobilenetv3_supernet': 1280,
}


def used_params(network: nn.Module) -> int:
    """Parameters of the modules one forward runs: AttentiveNAS blocks keep
    a shortcut conv they never call where input and output match."""
    ran = set()
    handle = nn.modules.module.register_module_forward_hook(
        lambda module, inputs, output: ran.add(id(module)))
    try:
        with torch.no_grad():
            network.eval()(torch.zeros(1, 3, 32, 32), mode='tensor')
    finally:
        handle.remove()
    return sum(p.numel() for m in network.modules() if id(m) in ran
               for p in m.parameters(recurse=False))


def search_and_check(config, tmp_path):
    work = tmp_path / 'work'
    result = run_forked([
        'tools/search.py',
        str(config), '--work-dir',
        str(work), '--cfg-options', 'train_cfg.max_epochs=1',
        'train_cfg.num_candidates=4', 'train_cfg.estimator.repeats=1'
    ],
                        env=dict(
                            os.environ,
                            PYTHONWARNINGS='ignore',
                            OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stderr[-3000:]
    rows = list(csv.DictReader(open(work / 'candidates.csv')))
    assert len({r['arch'] for r in rows}) == len(rows) >= 2
    # each candidate counted as itself, not as the whole supernet
    assert len({(r['flops'], r['params']) for r in rows}) > 1
    best = max(rows, key=lambda r: float(r['score']))
    student = build_in_scope(Config.fromfile(work / 'student.py').model)
    assert used_params(student) / 1e6 == pytest.approx(
        float(best['params']), abs=1e-3)
    return rows


@pytest.mark.subprocess
@pytest.mark.parametrize('backbone', sorted(SUPERNETS))
def test_each_shipped_supernet_searches_its_candidates(backbone, tmp_path):
    config = tmp_path / f'{backbone}_search.py'
    config.write_text(
        USER_CONFIG.format(
            repo=REPO, backbone=backbone, width=SUPERNETS[backbone]))
    search_and_check(config, tmp_path)


@pytest.mark.subprocess
def test_bignas_form_searches_widths_and_resolutions(tmp_path):
    config = tmp_path / 'bignas_search.py'
    config.write_text(BIGNAS_CONFIG.format(repo=REPO))
    rows = search_and_check(config, tmp_path)
    # the input resolution (192 ... 288) is one of the choices counted
    assert max(float(r['flops']) for r in rows) > 300


def test_a_space_whose_candidates_run_the_same_network_is_refused():
    """The guard behind the DARTS fix: without single-path ops, two
    distinct candidates run every op; the search refuses the space."""
    import random

    from diswot_mm.models.mutables import to_single_path
    from diswot_mm.models.search_spaces import name_unaliased_mutables
    from diswot_mm.registry import TASK_UTILS
    cfg = Config.fromfile(f'{REPO}/tests/data/user_spaces/darts_cifar100.py')
    model = build_in_scope(cfg.model)
    name_unaliased_mutables(model.architecture)
    rng = random.Random(0)
    pair = [{
        group: rng.choice(list(mutables[0].choices))
        for group, mutables in model.mutator.search_groups.items()
    } for _ in range(2)]
    counter = TASK_UTILS.build(
        dict(type='ActivePathResourceEstimator', input_shape=(1, 3, 32, 32)))
    with pytest.raises(ValueError, match='runs the same network'):
        counter.check_choices_change_network(model, pair)
    assert to_single_path(model.architecture) > 0
    counter.check_choices_change_network(model, pair)  # now distinct
