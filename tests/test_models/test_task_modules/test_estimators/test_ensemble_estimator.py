"""EnsembleEstimator: rank and z-score combination, weights, non-finite
members, and its use as the search loop's estimator."""
import json
import math

import numpy as np
import pytest
from conftest import REPO, run_forked, select
from mmengine.config import Config

from diswot_mm.models.task_modules.estimators import combine_scores
from diswot_mm.registry import TASK_UTILS, build_in_scope


def test_rank_mode_by_hand():
    members = dict(a=[1.0, 2.0, 3.0], b=[30.0, 20.0, 10.0])
    # ranks / 3: a = (1/3, 2/3, 1), b = (1, 2/3, 1/3)
    equal = combine_scores(members, dict(a=1, b=1), 'rank')
    assert equal == pytest.approx([2 / 3, 2 / 3, 2 / 3])
    weighted = combine_scores(members, dict(a=3, b=1), 'rank')
    assert weighted == pytest.approx([(3 / 3 + 1) / 4, (6 / 3 + 2 / 3) / 4,
                                      (9 / 3 + 1 / 3) / 4])
    ties = combine_scores(dict(a=[5.0, 5.0, 1.0]), dict(a=1), 'rank')
    assert ties == pytest.approx([2.5 / 3, 2.5 / 3, 1 / 3])


def test_zscore_mode_by_hand():
    a, b = [1.0, 2.0, 6.0], [0.5, 0.1, 0.3]
    za = [(x - 3) / math.sqrt(((1 - 3)**2 + (2 - 3)**2 + (6 - 3)**2) / 3)
          for x in a]
    zb = [(x - 0.3) / math.sqrt((0.2**2 + 0.2**2 + 0) / 3) for x in b]
    got = combine_scores(dict(a=a, b=b), dict(a=1, b=2), 'zscore')
    assert got == pytest.approx([(za[i] + 2 * zb[i]) / 3 for i in range(3)])


@pytest.mark.parametrize('mode', ['rank', 'zscore'])
def test_non_finite_member_scores_rank_last(mode):
    members = dict(
        a=[1.0, -math.inf, 2.0, math.nan, 0.5],
        b=[1.0, 1.0, 1.0, math.nan, 1.0])
    got = combine_scores(members, dict(a=1, b=1), mode)
    # candidate 1 ties the others on b but is last on a
    assert got[1] < min(got[0], got[2], got[4])
    assert got[3] == -math.inf  # no finite member score at all
    assert got[2] > got[0] > got[4]


def build_supernet():
    cfg = Config.fromfile(f'{REPO}/configs/diswot_cifar100.py')
    return build_in_scope(cfg.model)


def test_ensemble_scores_members_and_combines_a_population():
    supernet = build_supernet()
    members = dict(
        params=dict(type='ParamsEstimator'), snip=dict(type='SNIPEstimator'))
    ensemble = build_in_scope(
        dict(
            type='EnsembleEstimator',
            estimators=members,
            weights=dict(params=2.0),
            mode='rank',
            seed=3), TASK_UTILS)
    snip = build_in_scope(dict(type='SNIPEstimator', seed=3), TASK_UTILS)
    assert ensemble.members['snip'].seed == 3
    archs = ['111', '333', '571', '777']
    results, own_snip = [], []
    for arch in archs:
        select(supernet, arch)
        results.append(ensemble.score(supernet, key=arch))
        own_snip.append(snip.score(supernet, key=arch)['snip'])
    assert [r['snip.score'] for r in results] == pytest.approx(own_snip)
    params = [r['params.score'] for r in results]
    assert params[0] < params[1] < params[3]  # 111 < 333 < 777
    expected = combine_scores(
        dict(params=params, snip=own_snip), dict(params=2.0, snip=1.0), 'rank')
    assert ensemble.combine(results) == pytest.approx(expected)


def test_ensemble_config_errors():
    with pytest.raises(KeyError, match='flops'):
        build_in_scope(
            dict(
                type='EnsembleEstimator',
                estimators=dict(params=dict(type='ParamsEstimator')),
                weights=dict(flops=1.0)), TASK_UTILS)
    with pytest.raises(ValueError, match='mode'):
        build_in_scope(
            dict(
                type='EnsembleEstimator',
                estimators=dict(params=dict(type='ParamsEstimator')),
                mode='median'), TASK_UTILS)


@pytest.mark.subprocess
def test_ensemble_drives_a_two_generation_search(tmp_path):
    result = run_forked([
        'tools/search.py', 'configs/diswot_ensemble_cifar100.py', '--work-dir',
        str(tmp_path), '--cfg-options', 'train_cfg.max_epochs=2',
        'train_cfg.num_candidates=8', 'train_cfg.top_k=3',
        'train_cfg.num_mutation=3', 'train_cfg.num_crossover=3',
        'train_cfg.estimator.estimators.diswot.repeats=1'
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.load(open(tmp_path / 'candidates.json'))
    cands = out['candidates']
    assert len(cands) == 16 and {c['generation'] for c in cands} == {0, 1}
    # every held candidate carries its rank among ALL 16, not among its
    # own generation: recompute from the member scores
    expected = combine_scores(
        dict(
            diswot=[c['diswot.score'] for c in cands],
            zico=[c['zico.score'] for c in cands]), dict(diswot=1.0, zico=1.0),
        'rank')
    assert [c['score'] for c in cands] == pytest.approx(expected)
    assert all(c['diswot.score'] == pytest.approx(-(c['diswot.semantic'] +
                                                    c['diswot.relation']))
               for c in cands)
    assert [c['ensemble'] for c in cands] == pytest.approx(expected)
    assert out['best']['arch'] == cands[int(np.argmax(expected))]['arch']
