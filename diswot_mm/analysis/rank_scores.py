"""Scores of a rank config's estimators for every architecture of a ground
truth, per seed (``tools/analysis/rank_correlation.py``), or read back from
an earlier run's ``scores.csv``."""
import csv
import json
import os.path as osp
import time
from typing import Any, Dict, List, Optional, Tuple

from diswot_mm.datasets import (apply_sample_fallback, dataset_cache,
                                describe_minibatches)
from diswot_mm.models.search_spaces import SearchSpace
from diswot_mm.models.task_modules.estimators import (EnsembleEstimator,
                                                      TrainingFreeEstimator,
                                                      fill_minibatch)
from diswot_mm.registry import TASK_UTILS, build_in_scope, get_in_scope
from diswot_mm.utils.progress import track

#: Extra rankings from the terms of a DisWOT score (lower distance = better).
DISWOT_TERMS = ('semantic', 'relation')


def score_all(space: SearchSpace, estimator: TrainingFreeEstimator,
              archs: List[str]) -> List[Dict[str, Any]]:
    """``estimator``'s outputs for each arch of ``space``, in order, as
    the search scores a candidate (:meth:`SearchSpace.score`)."""
    return [
        space.score(estimator, arch) for arch in track(archs, desc='scoring')
    ]


def prepare(cfg, name: str, est_cfg: dict, seed: int) -> dict:
    """The config an estimator of ``rank_cfg`` is built from for ``seed``:
    the rank config's minibatch where it sets none, the search config's
    sample fallback (checked, applied where allowed)."""
    est_cfg = dict(
        fill_minibatch(est_cfg, **cfg.rank_cfg.get('minibatch', {})),
        seed=seed)
    apply_sample_fallback(
        est_cfg,
        cfg.get('train_cfg', {}).get('sample_fallback'),
        key=f'rank_cfg.estimators.{name}')
    return est_cfg


def config_key(est_cfg: dict) -> str:
    """What identifies an estimator config (its scores are reused)."""
    return json.dumps(est_cfg, sort_keys=True, default=str)


def score_rows(cfg, space: SearchSpace, estimators: Dict[str, dict],
               archs: List[str],
               params: List[float]) -> Tuple[List[dict], Dict[str, Any]]:
    """Score every arch with each estimator config, for each seed of
    ``cfg.rank_cfg``. An ensemble member whose config (seed and minibatch
    included) is also an estimator of the table is scored once: the
    ensemble merges those results (:meth:`EnsembleEstimator.merge`).

    Returns:
        tuple: rows (estimator, seed, arch, params, score, the DisWOT terms
        where the estimator has them, seconds of that estimator and seed,
        ``outputs``: every output as JSON, what a population-relative
        score is combined from) and, per estimator, what its scores were
        computed on.
    """
    rows, minibatches, done = [], {}, {}
    for name, est_cfg in estimators.items():
        for seed in cfg.rank_cfg.get('seeds', [0]):
            start = time.perf_counter()
            est_cfg = prepare(cfg, name, est_cfg, seed)
            with dataset_cache():  # checked, then loaded: built once
                estimator = build_in_scope(est_cfg, TASK_UTILS)
            minibatches[name] = estimator.minibatch_info
            print(f'{name} (seed {seed}), scores computed on: ' +
                  describe_minibatches(minibatches[name]))
            if isinstance(estimator, EnsembleEstimator):
                members = {}
                for member, scorer in estimator.members.items():
                    key = config_key(estimator.member_cfgs[member])
                    if key not in done:
                        done[key] = score_all(space, scorer, archs)
                    members[member] = done[key]
                results = [
                    estimator.merge({m: members[m][i]
                                     for m in members})
                    for i in range(len(archs))
                ]
            else:
                results = score_all(space, estimator, archs)
            done[config_key(est_cfg)] = results
            seconds = time.perf_counter() - start
            rows += make_rows(name, seed, estimator, archs, params, results,
                              seconds)
    return rows, minibatches


def make_rows(name: str, seed: int, estimator: TrainingFreeEstimator,
              archs: List[str], params: List[float], results: List[dict],
              seconds: float) -> List[dict]:
    """The rows of one estimator and seed (see :func:`score_rows`); a
    population-relative score is combined over all ``archs``."""
    main_key = estimator.score_name
    scores = (
        estimator.combine(results)
        if estimator.population_relative else [r[main_key] for r in results])
    return [
        dict(
            estimator=name,
            seed=seed,
            arch=arch,
            params=p,
            score=score,
            **{t: r[t]
               for t in DISWOT_TERMS if t in r},
            seconds=seconds,
            outputs=json.dumps(r))
        for arch, p, r, score in zip(archs, params, results, scores)
    ]


def load_scores(
        cfg,
        paths: List[str],
        archs: List[str],
        params: List[float],
        names: Optional[List[str]] = None
) -> Tuple[List[dict], Dict[str, Any]]:
    """The rows of earlier runs' ``scores.csv`` (of the estimators
    ``names``, default all; several files: e.g. shards of the archs) and
    what they were computed on (the first file's
    ``rank_correlation.json``), for :func:`rank_table`. Population-relative
    scores (ensembles, AZ-NAS) are combined again over ``archs`` from the
    stored outputs, with the estimator of ``cfg.rank_cfg``.

    Raises:
        FileNotFoundError: a missing file.
        ValueError: an estimator not in them, an estimator and seed without
            a score for every arch of the ground truth, an arch scored
            twice, or #params of another space.
    """
    summary = osp.join(osp.dirname(paths[0]), 'rank_correlation.json')
    for needed in list(paths) + [summary]:
        if not osp.isfile(needed):
            raise FileNotFoundError(
                f'--scores {needed}: it does not exist; give '
                'the scores.csv of an earlier run, with the '
                'rank_correlation.json written beside the '
                'first.')
    stored = []
    for path in paths:
        with open(path, newline='') as f:
            stored += [
                r for r in csv.DictReader(f)
                if names is None or r['estimator'] in names
            ]
    found = {r['estimator'] for r in stored}
    missing = sorted(set(names or found) - found)
    if missing or not stored:
        raise ValueError(f'--scores {paths} has no scores of {missing}.')
    unknown = sorted(found - set(cfg.rank_cfg.estimators))
    if unknown:
        raise ValueError(f'--scores {paths}: {unknown} are not in '
                         'rank_cfg.estimators of the config given now.')
    position = {arch: i for i, arch in enumerate(archs)}
    rows = []
    for name, seed in sorted({(r['estimator'], int(r['seed']))
                              for r in stored}):
        mine = {}
        for r in stored:
            if r['estimator'] == name and int(r['seed']) == seed:
                if r['arch'] in mine:
                    raise ValueError(f'--scores {paths}: {name} (seed '
                                     f'{seed}) scored {r["arch"]} twice.')
                mine[r['arch']] = r
        if not set(archs) <= set(mine):
            raise ValueError(
                f'--scores {paths}: {name} (seed {seed}) has no score for '
                f'{sorted(set(archs) - set(mine))} of the ground truth; score '
                'them again (without --scores).')
        other = sorted(
            a for a in archs
            if abs(float(mine[a]['params']) - params[position[a]]) > 1e-6)
        if other:
            raise ValueError(
                f'--scores {paths}: the #params of {other} differ from the '
                "config's: scores of another space or config.")
        picked = [mine[a] for a in archs]
        seconds = sum({float(r.get('seconds') or 'nan')
                       for r in picked})  # one figure a file
        est_cfg = cfg.rank_cfg.estimators[name]
        relative = get_in_scope(est_cfg['type'],
                                TASK_UTILS).population_relative
        if relative and not picked[0].get('outputs') and set(mine) != set(
                archs):  # the stored scores rank another population
            raise ValueError(
                f'--scores {paths}: {name} is population-relative, scored '
                'on other archs by a version that did not keep its outputs: '
                'score it again (without --scores).')
        if relative and picked[0].get('outputs'):
            estimator = build_in_scope(
                prepare(cfg, name, est_cfg, seed), TASK_UTILS)
            rows += make_rows(name, seed, estimator, archs, params,
                              [json.loads(r['outputs']) for r in picked],
                              seconds)
            continue
        rows += [
            dict(
                estimator=name,
                arch=r['arch'],
                seed=seed,
                params=float(r['params']),
                score=float(r['score']),
                seconds=seconds,
                **{t: float(r[t])
                   for t in DISWOT_TERMS if r.get(t)},
                **({
                    'outputs': r['outputs']
                } if r.get('outputs') else {})) for r in picked
        ]
    with open(summary) as f:
        minibatches = json.load(f)['minibatch']
    print(f'Scores read from {", ".join(paths)}, not computed again.')
    return rows, {name: minibatches[name] for name in sorted(found)}
