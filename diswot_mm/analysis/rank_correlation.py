"""How well a training-free score ranks architectures against ground truth."""
import csv
import math
import os.path as osp
import statistics
from typing import Dict, List, Optional, Sequence

import numpy as np
from scipy import stats

#: Accepted CSV header names (case-insensitive) of the two columns.
ARCH_COLUMNS = ('arch', 'architecture', 'subnet', 'arch_str')
ACCURACY_COLUMNS = ('accuracy', 'acc', 'top1', 'top-1')


def load_ground_truth(path: str,
                      accuracy_column: Optional[str] = None
                      ) -> Dict[str, float]:
    """Read ``arch -> accuracy`` from a CSV with a header or from whitespace
    lines ``ARCH ACC`` (the published S1 files).

    The CSV header names the columns case-insensitively: the architecture
    one of :data:`ARCH_COLUMNS`, the accuracy ``accuracy_column`` when
    given (a table of several accuracies, e.g. NAS-Bench-201's
    ``cifar100_test``), else one of :data:`ACCURACY_COLUMNS`; other columns
    are ignored.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: a CSV header without those columns (the message names
            the file, the header found and the accepted names), an
            ``accuracy_column`` with a file of ``ARCH ACC`` lines, a line
            that is not ``ARCH ACC``, an architecture listed twice, a value
            that is not a number, or fewer than 3 architectures.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'ground truth {path!r} does not exist.')
    with open(path) as f:
        text = f.read()
    first = text.lstrip().splitlines()[0] if text.strip() else ''
    rows = {}
    if ',' in first:
        reader = csv.reader(text.lstrip().splitlines())
        header = [h.strip() for h in next(reader)]
        lower = [h.lower() for h in header]
        accepted = ((accuracy_column.lower(), )
                    if accuracy_column else ACCURACY_COLUMNS)
        arch_col = next((lower.index(c) for c in ARCH_COLUMNS if c in lower),
                        None)
        acc_col = next((lower.index(c) for c in accepted if c in lower), None)
        if arch_col is None or acc_col is None:
            raise ValueError(
                f'ground truth {path!r} has the header {header}; expected '
                f'an architecture column (one of {list(ARCH_COLUMNS)}) and '
                f'an accuracy column (one of {list(accepted)}), any case.')
        for number, row in enumerate(reader, 2):
            if not any(cell.strip() for cell in row):
                continue
            _add(rows, row[arch_col].strip(),
                 _number(row[acc_col], path, number), path, number)
    else:
        if accuracy_column:
            raise ValueError(
                f'accuracy_column={accuracy_column!r} names a CSV column, '
                f'but {path!r} has "ARCH ACC" lines: drop accuracy_column.')
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 2:
                raise ValueError(f'{path}:{number}: expected "ARCH ACC", '
                                 f'got {line!r}.')
            _add(rows, parts[0], _number(parts[1], path, number), path, number)
    if len(rows) < 3:
        raise ValueError(f'{path} has {len(rows)} architectures; rank '
                         'correlations need at least 3.')
    return rows


def _add(rows: Dict[str, float], arch: str, accuracy: float, path: str,
         line: int) -> None:
    if arch in rows:
        raise ValueError(f'{path}:{line}: architecture {arch!r} is listed '
                         'twice; give one accuracy per architecture (e.g. '
                         'the mean over seeds).')
    rows[arch] = accuracy


def _number(text: str, path: str, line: int) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f'{path}:{line}: accuracy {text!r} is not a '
                         'number.') from None


def rank_correlations(scores: Sequence[float],
                      accuracies: Sequence[float]) -> Dict[str, float]:
    """Kendall tau, Spearman rho and Pearson r of scores vs accuracies, and
    the top-10 % precision (:func:`top_precision`); non-finite scores rank
    last."""
    s = np.asarray(scores, dtype=float)
    s = np.where(np.isfinite(s), s, np.nanmin(s[np.isfinite(s)]) - 1)
    a = np.asarray(accuracies, dtype=float)
    return dict(
        kendall=float(stats.kendalltau(s, a)[0]),
        spearman=float(stats.spearmanr(s, a)[0]),
        pearson=float(stats.pearsonr(s, a)[0]),
        top10_precision=top_precision(s, a, 0.1))


def top_precision(scores: Sequence[float], accuracies: Sequence[float],
                  fraction: float) -> float:
    """The share of the score's top ``k = ceil(fraction * n)`` that are among
    the ``k`` most accurate (1 = the score finds the best ones; about
    ``fraction`` by chance). Ties keep the input order."""
    k = max(1, math.ceil(fraction * len(scores)))
    by_score = np.argsort(-np.asarray(scores, dtype=float), kind='stable')
    by_accuracy = np.argsort(
        -np.asarray(accuracies, dtype=float), kind='stable')
    return len(set(by_score[:k]) & set(by_accuracy[:k])) / k


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


def kd_residual(kd: Sequence[float], vanilla: Sequence[float]) -> np.ndarray:
    """KD accuracy minus the least-squares line of KD on vanilla accuracy:
    how much more a student gains from distillation than its plain accuracy
    predicts. Shapes (N,) -> (N,), accuracy units."""
    kd = np.asarray(kd, dtype=float)
    vanilla = np.asarray(vanilla, dtype=float)
    slope, intercept = np.polyfit(vanilla, kd, 1)
    return kd - (slope * vanilla + intercept)


def teacher_awareness(scores: Sequence[float], kd: Sequence[float],
                      vanilla: Sequence[float]) -> Dict[str, float]:
    """Kendall tau of the scores with the vanilla accuracy
    (``tau_vanilla``), the KD gain KD - vanilla (``tau_kd_gain``) and the
    :func:`kd_residual` (``tau_kd_residual``); non-finite scores rank last
    as in :func:`rank_correlations`."""
    kd = np.asarray(kd, dtype=float)
    vanilla = np.asarray(vanilla, dtype=float)
    targets = dict(
        tau_vanilla=vanilla,
        tau_kd_gain=kd - vanilla,
        tau_kd_residual=kd_residual(kd, vanilla))
    return {
        key: rank_correlations(scores, target)['kendall']
        for key, target in targets.items()
    }
