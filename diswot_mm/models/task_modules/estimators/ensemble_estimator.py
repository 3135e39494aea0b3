"""A fixed, weighted ensemble of training-free estimators, combined by rank
or by z-score among the candidates being compared."""
import math
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch.nn as nn
from scipy.stats import rankdata

from diswot_mm.registry import TASK_UTILS, build_in_scope
from .base_training_free import TrainingFreeEstimator, fill_minibatch

COMBINE_MODES = ('rank', 'zscore')


def _member_values(values: Sequence[float], mode: str) -> np.ndarray:
    """One member's scores (higher is better) as ranks in (0, 1] or
    z-scores; non-finite scores come last (below every finite one)."""
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    out = np.zeros(len(v))
    if not finite.any():
        return out
    if mode == 'rank':
        filled = np.where(finite, v, v[finite].min() - 1)
        return rankdata(filled, method='average') / len(v)
    mean, std = v[finite].mean(), v[finite].std()
    z = (v[finite] - mean) / std if std > 0 else np.zeros(finite.sum())
    out[finite] = z
    out[~finite] = z.min() - 1
    return out


def combine_scores(member_scores: Dict[str, Sequence[float]],
                   weights: Dict[str, float], mode: str) -> List[float]:
    """Weighted mean of each member's rank (``mode='rank'``, ranks scaled to
    (0, 1], ties averaged) or z-score (``'zscore'``) among the candidates
    given. A candidate whose every member score is non-finite gets -inf.

    Args:
        member_scores (dict): Member name -> its scores, one per candidate.
        weights (dict): Member name -> weight (>= 0).
        mode (str): ``'rank'`` or ``'zscore'``.

    Returns:
        list: The ensemble score of each candidate, higher is better.
    """
    names = list(member_scores)
    total = sum(weights[n] for n in names)
    combined = sum(weights[n] * _member_values(member_scores[n], mode)
                   for n in names) / total
    all_bad = np.all(
        [~np.isfinite(np.asarray(member_scores[n], float)) for n in names],
        axis=0)
    return [
        -math.inf if bad else float(c)
        for c, bad in zip(np.atleast_1d(combined), all_bad)
    ]


@TASK_UTILS.register_module()
class EnsembleEstimator(TrainingFreeEstimator):
    """Combine registered training-free estimators with fixed weights.

    ``score(model, key)`` runs every member and returns each member's main
    score as ``<name>.score`` and its other outputs as ``<name>.<key>``
    (e.g. ``diswot.semantic``). An ensemble score only exists relative to the
    candidates it is compared with, so it is computed by
    :meth:`combine` over a population: the search loop calls it on every
    candidate it holds after each generation (the ranking of earlier
    candidates can change as new ones arrive), the rank tool on all
    architectures. ``score`` alone gives ``ensemble`` = the combination over
    that one candidate (0.5 ... 1), a placeholder.

    Weights are fixed a priori in the config (default: equal), never fitted.

    Args:
        estimators (dict): Member name -> estimator config.
        weights (dict, optional): Member name -> weight. Defaults to 1 each.
        mode (str): ``'rank'`` (mean rank) or ``'zscore'`` (mean z-score).
            Defaults to ``'rank'``.
        seed (int, optional): Given to every member (so the rank tool's
            seeds reach them). Defaults to each member's own.
        dataloader (dict, optional): Minibatch of the members that set none
            (those scoring on images: :func:`fill_minibatch`).
        data_preprocessor (dict, optional): Its preprocessor, likewise.
        device (str, optional): Device of those members that set none.
    """
    score_name = 'ensemble'
    population_relative = True
    takes_minibatch = True

    def __init__(self,
                 estimators: Dict[str, dict],
                 weights: Optional[Dict[str, float]] = None,
                 mode: str = 'rank',
                 seed: Optional[int] = None,
                 dataloader: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 device: Optional[str] = None):
        if not estimators:
            raise ValueError('EnsembleEstimator needs at least one member in '
                             'estimators=dict(name=estimator_cfg, ...).')
        if mode not in COMBINE_MODES:
            raise ValueError(f'mode supports {COMBINE_MODES}, but got '
                             f'{mode!r}.')
        weights = dict(weights or {})
        unknown = sorted(set(weights) - set(estimators))
        if unknown:
            raise KeyError(f'weights name {unknown}, which are not among the '
                           f'estimators {sorted(estimators)}.')
        self.weights = {n: float(weights.get(n, 1.0)) for n in estimators}
        if any(w < 0 for w in self.weights.values()) or not any(
                self.weights.values()):
            raise ValueError(f'weights must be >= 0 and not all 0, got '
                             f'{self.weights}.')
        self.mode = mode
        self.members = {}
        for name, cfg in estimators.items():
            cfg = fill_minibatch(
                cfg,
                dataloader=dataloader,
                data_preprocessor=data_preprocessor,
                device=device)
            if seed is not None:
                cfg['seed'] = seed
            self.members[name] = build_in_scope(cfg, TASK_UTILS)

    def score(self,
              model: nn.Module,
              key: Optional[str] = None) -> Dict[str, float]:
        """Every member's scores of one candidate (see the class doc)."""
        result = {}
        for name, member in self.members.items():
            scores = member.score(model, key=key)
            result[f'{name}.score'] = float(scores[member.score_name])
            result.update({
                f'{name}.{k}': float(v)
                for k, v in scores.items() if k != member.score_name
            })
        result[self.score_name] = self.combine([result])[0]
        return result

    @property
    def minibatch_info(self) -> Dict[str, dict]:
        return {
            f'{name}.{k}': v
            for name, member in self.members.items()
            for k, v in member.minibatch_info.items()
        }

    def combine(self, results: Sequence[Dict[str, float]]) -> List[float]:
        """Ensemble scores of a population of :meth:`score` results."""
        return combine_scores(
            {n: [r[f'{n}.score'] for r in results]
             for n in self.members}, self.weights, self.mode)
