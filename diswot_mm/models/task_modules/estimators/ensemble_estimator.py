"""A fixed, weighted ensemble of training-free estimators, combined by rank,
log-rank (AZ-NAS) or z-score among the candidates being compared."""
import math
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch.nn as nn
from scipy.stats import rankdata

from diswot_mm.registry import TASK_UTILS, build_in_scope
from .base_training_free import TrainingFreeEstimator, fill_minibatch

COMBINE_MODES = ('rank', 'log_rank', 'zscore')


def _member_values(values: Sequence[float], mode: str) -> np.ndarray:
    """One member's scores (higher is better) as ranks in (0, 1], their
    logs, or z-scores; non-finite scores come last (below every finite
    one)."""
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    out = np.zeros(len(v))
    if not finite.any():
        return out
    if mode in ('rank', 'log_rank'):
        filled = np.where(finite, v, v[finite].min() - 1)
        ranks = rankdata(filled, method='average') / len(v)
        return np.log(ranks) if mode == 'log_rank' else ranks
    mean, std = v[finite].mean(), v[finite].std()
    z = (v[finite] - mean) / std if std > 0 else np.zeros(finite.sum())
    out[finite] = z
    out[~finite] = z.min() - 1
    return out


def combine_scores(member_scores: Dict[str, Sequence[float]],
                   weights: Dict[str, float], mode: str) -> List[float]:
    """Weighted mean of each member's rank r / N (``mode='rank'``, ranks
    1..N from the worst, ties averaged), of log(r / N) (``'log_rank'``,
    AZ-NAS's aggregation: a low rank in one member weighs more than a high
    one) or of its z-score (``'zscore'``) among the N candidates given. A
    candidate whose every member score is non-finite gets -inf.

    Args:
        member_scores (dict): Member name -> its scores, one per candidate.
        weights (dict): Member name -> weight (>= 0).
        mode (str): ``'rank'``, ``'log_rank'`` or ``'zscore'``.

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
        weights (dict, optional): Term name -> weight. Defaults to 1 each.
        mode (str): ``'rank'`` (mean rank), ``'log_rank'`` (mean log-rank,
            AZ-NAS's) or ``'zscore'`` (mean z-score). Defaults to
            ``'rank'``.
        terms (dict, optional): What is combined: term name ->
            ``'<member>.<output>'``, with a leading ``-`` where lower is
            better (``'-diswot.semantic'``, a distance). Defaults to each
            member's main score, ``'<member>.score'`` named by the member;
            a population-relative member (AZ-NAS, an ensemble) must be
            given by its terms (its own score is a placeholder).
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
                 terms: Optional[Dict[str, str]] = None,
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
        self.terms = dict(terms or {n: f'{n}.score' for n in estimators})
        for name, term in self.terms.items():
            member = term.lstrip('-').split('.', 1)[0]
            if member not in estimators or '.' not in term:
                raise KeyError(
                    f'terms.{name}={term!r}: expected "<member>.<output>" '
                    f'(a leading "-" for lower-is-better) of a member among '
                    f'{sorted(estimators)}.')
        weights = dict(weights or {})
        unknown = sorted(set(weights) - set(self.terms))
        if unknown:
            raise KeyError(f'weights name {unknown}, which are not among the '
                           f'terms {sorted(self.terms)}.')
        self.weights = {n: float(weights.get(n, 1.0)) for n in self.terms}
        if any(w < 0 for w in self.weights.values()) or not any(
                self.weights.values()):
            raise ValueError(f'weights must be >= 0 and not all 0, got '
                             f'{self.weights}.')
        self.mode = mode
        #: Member name -> the config it was built from (seed, minibatch).
        self.member_cfgs = {}
        self.members = {}
        for name, cfg in estimators.items():
            cfg = fill_minibatch(
                cfg,
                dataloader=dataloader,
                data_preprocessor=data_preprocessor,
                device=device)
            if seed is not None:
                cfg['seed'] = seed
            self.member_cfgs[name] = cfg
            self.members[name] = build_in_scope(cfg, TASK_UTILS)
        relative = sorted(
            n for n, m in self.members.items()
            if m.population_relative and f'{n}.score' in self.terms.values())
        if relative:
            raise ValueError(
                f'members {relative} are population-relative: their own '
                'score is a placeholder; combine their terms instead, e.g. '
                "terms=dict(expressivity='az.expressivity', ...).")

    def score(self,
              model: nn.Module,
              key: Optional[str] = None) -> Dict[str, float]:
        """Every member's scores of one candidate (see the class doc)."""
        return self.merge({
            name: member.score(model, key=key)
            for name, member in self.members.items()
        })

    def merge(self, member_scores: Dict[str, Dict[str,
                                                  float]]) -> Dict[str, float]:
        """One candidate's result from each member's :meth:`score` of it
        (member name -> scores): ``<name>.score`` and ``<name>.<key>``,
        and the placeholder ``ensemble``."""
        result = {}
        for name, member in self.members.items():
            scores = member_scores[name]
            result[f'{name}.score'] = float(scores[member.score_name])
            result.update({
                f'{name}.{k}': float(v)
                for k, v in scores.items() if k != member.score_name
            })
        missing = sorted(t for t in self.terms.values()
                         if t.lstrip('-') not in result)
        if missing:
            raise KeyError(f'terms {missing} are not among the members\' '
                           f'outputs {sorted(result)}.')
        result[self.score_name] = self.combine([result])[0]
        return result

    @property
    def minibatch_info(self) -> Dict[str, dict]:
        return {
            f'{name}.{k}': v
            for name, member in self.members.items()
            for k, v in member.minibatch_info.items()
        }

    def distill_overrides(self, base_model: dict) -> dict:
        """The first member's that has any (its DisWOT member's teacher
        and losses)."""
        for member in self.members.values():
            overrides = member.distill_overrides(base_model)
            if overrides:
                return overrides
        return {}

    def combine(self, results: Sequence[Dict[str, float]]) -> List[float]:
        """Ensemble scores of a population of :meth:`score` results. A
        term of a member that recorded the candidate as infeasible (its
        score -inf, e.g. DisWOT's input-independent student) is -inf."""

        def value(result: Dict[str, float], term: str) -> float:
            output = term.lstrip('-')
            if result[output.split('.', 1)[0] + '.score'] == -math.inf:
                return -math.inf
            return -result[output] if term.startswith('-') else result[output]

        return combine_scores(
            {
                name: [value(r, term) for r in results]
                for name, term in self.terms.items()
            }, self.weights, self.mode)
