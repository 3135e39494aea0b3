"""Every supernet of mmrazor's ``_base_/nas_backbones`` searched as a user
writes it (issue 35): SPOS + NasMutator around the shipped backbone, a
CIFAR-100 head, 1 generation of 4 candidates. Either distinct candidates
with their own resource counts and a student whose params equal its row in
candidates.csv, or one clear error (the channel supernets)."""
import csv
import os

import pytest
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

#: backbone -> (final width, searchable)
SUPERNETS = {
    'darts_supernet': (256, True),
    'dsnas_shufflenet_supernet': (1024, True),
    'spos_shufflenet_supernet': (1024, True),
    'spos_mobilenet_supernet': (1728, True),
    'attentive_mobilenetv3_supernet': (1984, False),
    'ofa_mobilenetv3_supernet': (1280, False),
}


@pytest.mark.subprocess
@pytest.mark.parametrize('backbone', sorted(SUPERNETS))
def test_each_shipped_supernet_searches_its_candidates_or_says_why_not(
        backbone, tmp_path):
    width, searchable = SUPERNETS[backbone]
    config = tmp_path / f'{backbone}_search.py'
    config.write_text(
        USER_CONFIG.format(repo=REPO, backbone=backbone, width=width))
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
    if not searchable:
        assert result.returncode != 0
        last = result.stderr.strip().splitlines()[-1]
        assert "mmrazor's channel supernets" in last
        assert 'OneShotMutableChannelUnit' in last
        return
    assert result.returncode == 0, result.stderr[-3000:]
    rows = list(csv.DictReader(open(work / 'candidates.csv')))
    assert len({r['arch'] for r in rows}) == len(rows) >= 2
    # each candidate counted as itself, not as the whole supernet
    assert len({(r['flops'], r['params']) for r in rows}) > 1
    best = max(rows, key=lambda r: float(r['score']))
    student = build_in_scope(Config.fromfile(work / 'student.py').model)
    params = sum(p.numel() for p in student.parameters()) / 1e6
    assert params == pytest.approx(float(best['params']), abs=1e-3)


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
