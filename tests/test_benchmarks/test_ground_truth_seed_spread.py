"""benchmarks/ground_truth_seed_spread.py against a hand computation."""
import numpy as np
import pytest
from scipy import stats

from benchmarks.ground_truth_seed_spread import seed_taus

KD = {0: [70, 72, 75, 71, 78], 1: [71, 70, 76, 73, 77]}
VANILLA = {0: [69, 73, 74, 69, 76], 1: [72, 71, 73, 72, 78]}
ARCHS = ['111', '131', '333', '151', '353']


def test_seed_taus_by_hand():
    runs = [
        dict(arch=a, loss=loss, seed=str(seed), top1=str(values[i]))
        for loss, table in (('kd', KD), ('vanilla', VANILLA))
        for seed, values in table.items() for i, a in enumerate(ARCHS)
    ]
    score = dict(zip(ARCHS, [0.1, 0.5, 0.3, 0.2, 0.9]))
    other = dict(zip(ARCHS, [0.9, 0.1, 0.2, 0.3, 0.4]))
    table = seed_taus({'s': {'0': score, '1': other}}, runs)['s']

    def tau(values, target):
        return stats.kendalltau(values, target)[0]

    for gt_seed in (0, 1):
        kd, plain = np.array(KD[gt_seed]), np.array(VANILLA[gt_seed])
        slope, intercept = np.polyfit(plain, kd, 1)  # KD on vanilla
        residual = kd - (slope * plain + intercept)
        for column, target in (('tau_kd', kd), ('tau_vanilla', plain),
                               ('tau_kd_gain', kd - plain), ('tau_kd_residual',
                                                             residual)):
            expected = np.mean(
                [tau([s[a] for a in ARCHS], target) for s in (score, other)])
            assert table[column][gt_seed] == pytest.approx(expected)
    assert len(table['tau_kd']) == 2
