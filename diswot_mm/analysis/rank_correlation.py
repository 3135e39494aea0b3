"""How well a training-free score ranks architectures against ground truth."""
import csv
import math
import os.path as osp
import statistics
from typing import Dict, List, Sequence

import numpy as np
from scipy import stats


def load_ground_truth(path: str) -> Dict[str, float]:
    """Read ``arch -> accuracy`` from a CSV with ``arch,accuracy`` columns or
    from whitespace lines ``ARCH ACC`` (the published S1 files)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'ground truth {path!r} does not exist.')
    with open(path) as f:
        text = f.read()
    rows = {}
    if text.lstrip().lower().startswith('arch'):
        for row in csv.DictReader(text.splitlines()):
            rows[row['arch'].strip()] = float(row['accuracy'])
    else:
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 2:
                raise ValueError(f'{path}:{number}: expected "ARCH ACC", '
                                 f'got {line!r}.')
            rows[parts[0]] = float(parts[1])
    if len(rows) < 3:
        raise ValueError(f'{path} has {len(rows)} architectures; rank '
                         'correlations need at least 3.')
    return rows


def rank_correlations(scores: Sequence[float],
                      accuracies: Sequence[float]) -> Dict[str, float]:
    """Kendall tau, Spearman rho and Pearson r of scores vs accuracies;
    non-finite scores rank last."""
    s = np.asarray(scores, dtype=float)
    s = np.where(np.isfinite(s), s, np.nanmin(s[np.isfinite(s)]) - 1)
    a = np.asarray(accuracies, dtype=float)
    return dict(
        kendall=float(stats.kendalltau(s, a)[0]),
        spearman=float(stats.spearmanr(s, a)[0]),
        pearson=float(stats.pearsonr(s, a)[0]))


def budget_regret(archs: List[str], scores: Sequence[float],
                  accuracies: Sequence[float], params: Sequence[float],
                  budgets: Sequence[float]) -> Dict[float, float]:
    """For each params budget: best accuracy among the affordable archs
    minus the accuracy of the one the score picks (0 = perfect pick;
    NaN when nothing is affordable)."""
    result = {}
    for budget in budgets:
        affordable = [i for i, p in enumerate(params) if p <= budget]
        if not affordable:
            result[budget] = math.nan
            continue
        best = max(accuracies[i] for i in affordable)
        pick = max(affordable, key=lambda i: (scores[i], archs[i]))
        result[budget] = best - accuracies[pick]
    return result


def regret_summary(regret: Dict[float, float]) -> Dict[str, float]:
    """``regret_mean`` and ``regret_max`` of a :func:`budget_regret` over
    the budgets where something is affordable."""
    values = [v for v in regret.values() if not math.isnan(v)]
    if not values:
        return dict(regret_mean=math.nan, regret_max=math.nan)
    return dict(regret_mean=statistics.mean(values), regret_max=max(values))
