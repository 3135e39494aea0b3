"""Scoring a search's candidates: one candidate (its failure recorded, not
raised), the population-relative re-scoring, the ranking."""
import math
from typing import Any, Dict, List, Tuple, TypedDict

from diswot_mm.models.search_spaces import SearchSpace
from diswot_mm.models.task_modules.estimators import TrainingFreeEstimator


class CandidateRecord(TypedDict, total=False):
    """One scored candidate, as the loop holds it, its state files save it
    and ``candidates.json`` writes it, keys in this order: ``arch``; the
    estimator's outputs (floats, e.g. ``diswot``, ``semantic``,
    ``relation``); ``score`` (the ``score_key`` output, -inf unless finite);
    the checked resources (``params`` and ``flops`` in M, ``latency`` in ms
    where bounded); ``generation`` (from 0); ``error`` only when scoring
    failed (its first line)."""
    arch: str
    score: float
    generation: int
    error: str


#: arch -> its record, in the order the candidates were scored.
Records = Dict[str, CandidateRecord]


def score_candidate(estimator: TrainingFreeEstimator, space: SearchSpace,
                    arch: str, score_key: str) -> Dict[str, Any]:
    """The estimator's scores (floats) of candidate ``arch`` of ``space``
    (:meth:`SearchSpace.score`); a candidate whose scoring raises gets
    ``score_key = -inf`` and ``error`` (its first line; :func:`add_records`
    reports it).

    Raises:
        KeyError: ``score_key`` is not among the estimator's outputs.
    """
    try:
        scores = space.score(estimator, arch)
    except Exception as err:  # noqa: B902 (one candidate, not the run)
        message = f'{type(err).__name__}: {err}'.splitlines()[0][:500]
        return {score_key: -math.inf, 'error': message}
    if score_key not in scores:
        raise KeyError(f'score_key {score_key!r} is not among the estimator '
                       f'outputs {sorted(scores)}.')
    return {k: float(v) for k, v in scores.items()}


def add_records(records: Records, archs: List[str], results: Dict[str, dict],
                resources: Dict[str, dict], score_key: str, generation: int,
                logger) -> None:
    """Add a generation's candidates to ``records`` (arch -> record), in
    generation order: the scores, ``score`` (``score_key``, -inf unless
    finite), the checked resources (an estimator output named like a
    resource, as ParamsEstimator's ``params``, is replaced by the checked
    value) and ``generation``; one warning per distinct error of the
    candidates that failed to score (recorded as infeasible).

    Raises:
        RuntimeError: every candidate failed (quoting the first error): the
            estimator or its settings, not a candidate, are wrong.
    """
    failed = [a for a in archs if 'error' in results[a]]
    if failed and len(failed) == len(archs):
        raise RuntimeError(
            f'every candidate of generation {generation + 1} failed to '
            f'score ({len(archs)}); the first, {failed[0]}: '
            f'{results[failed[0]]["error"]}')
    by_error: Dict[str, List[str]] = {}
    for arch in failed:
        by_error.setdefault(results[arch]['error'], []).append(arch)
    for error, same in by_error.items():
        logger.warning(f'candidate {same[0]}' + (
            f' and {len(same) - 1} more' if len(same) > 1 else '') +
                       f': scoring failed ({error}); recorded as infeasible.')
    for arch in archs:
        score = results[arch][score_key]
        records[arch] = {
            'arch': arch,
            **results[arch], 'score':
            score if math.isfinite(score) else -math.inf,
            **resources[arch], 'generation': generation
        }


def combine_population(estimator: TrainingFreeEstimator, records: Records,
                       score_key: str) -> None:
    """Re-score every held candidate in place when the estimator's score is
    relative to the population (``combine``, e.g. an EnsembleEstimator's
    mean rank): a new generation can change earlier candidates' ranks. In
    arch order, so all ranks and resumes agree."""
    if not (estimator.population_relative
            and score_key == estimator.score_name):
        return
    held = [
        records[arch] for arch in sorted(records)
        if 'error' not in records[arch]
    ]
    for record, score in zip(held, estimator.combine(held)):
        record[score_key] = record['score'] = score


def ranked(records: Records) -> List[CandidateRecord]:
    """Finite-score candidates, best first (ties broken by arch)."""
    finite = [r for r in records.values() if math.isfinite(r['score'])]
    return sorted(finite, key=lambda r: (-r['score'], r['arch']))


def generation_summary(records: Records, archs: List[str], infeasible: int,
                       timing: Dict[str, float], wall: float, epoch: int,
                       max_epochs: int,
                       score_key: str) -> Tuple[Dict[str, float], str]:
    """(scalars for the visualizer, log line) of generation ``epoch`` (from
    0) that scored ``archs`` in ``wall`` seconds, ``timing['check']`` and
    ``timing['score']`` of them in constraint checks and scoring."""
    best = ranked(records)[0] if ranked(records) else None
    ms_per_candidate = wall / len(archs) * 1000
    scalars = {
        'search/scored': len(records),
        'search/ms_per_candidate': ms_per_candidate,
        'search/check_share': timing['check'] / wall
    }
    if best is not None:
        scalars['search/best_score'] = best['score']
    failed = sum('error' in records[a] for a in archs)
    message = (
        f'Generation [{epoch + 1}/{max_epochs}] scored {len(archs)} new '
        f'({len(records)} in all, {infeasible} infeasible skipped' +
        (f', {failed} failed to score' if failed else '') + '), '
        f'{ms_per_candidate:.1f} ms/candidate (checks '
        f'{timing["check"] / wall:.0%}, scoring {timing["score"] / wall:.0%}'
        '); best ' + (f'{best["arch"]} {score_key}={best["score"]:.6g}'
                      if best else 'none (no finite score yet)'))
    return scalars, message
