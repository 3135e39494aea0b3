"""Training-free evolution search: mmrazor's EvolutionSearchLoop scoring each
candidate with an estimator (DisWOT by default) instead of validation."""
import copy
import glob
import json
import math
import os
import os.path as osp
import random
import time
from typing import Any, Dict, List, Optional

from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.model import is_model_wrapper
from mmengine.runner.base_loop import BaseLoop
from mmengine.utils import ProgressBar
from mmrazor.engine.runner import EvolutionSearchLoop
from mmrazor.engine.runner.utils import check_subnet_resources
from mmrazor.structures import convert_fix_subnet, export_fix_subnet

from diswot_mm.models.search_spaces import (alias_to_choices, arch_codec,
                                            choices_to_alias,
                                            name_unaliased_mutables)
from diswot_mm.registry import LOOPS, TASK_UTILS

from .search_report import write_search_report
from .search_state import (
    FORMAT_VERSION,
    STATE_PATTERN,
    SearchStateError,
    config_hash,
    find_states,
    newest_valid_state,
    read_state,
    write_state,
)


@LOOPS.register_module()
class TrainingFreeSearchLoop(EvolutionSearchLoop):
    """Evolution search that scores candidates without training them.

    Each generation (an mmrazor "epoch") scores the candidates it has not
    scored before with ``estimator.score(model, key=arch)[score_key]``
    (re-scoring all held candidates with ``estimator.combine(records)`` when
    the estimator's score is relative to the population, as an ensemble's
    mean rank is), keeps the ``top_k`` of everything scored so far, and
    breeds the next generation from them by mutation and crossover (filled
    up with random samples), all within ``constraints_range``. No candidate
    is scored twice; the search stops early when no new feasible candidate
    can be found (the space is exhausted). Scores keep full precision
    (mmrazor rounds to 2 decimals, which collapses training-free scores).

    Reproducible: one seeded RNG drives sampling, its state is saved with
    the scores after every generation (``search_epoch_N.json``: JSON,
    written atomically, checked against this config on resume; see
    :mod:`.search_state`), and the estimator derives each candidate's
    weights from its arch, so a search resumed after a kill, or run on
    several processes (each scoring its share of a generation), ends exactly
    like one uninterrupted single-process run.

    Args:
        runner (Runner): The runner; ``runner.model`` is an mmrazor algorithm
            with a ``mutator`` and an ``architecture`` (e.g. SPOS).
        estimator (dict): Config of a training-free estimator with
            ``score(model, key) -> dict``.
        score_key (str): Key of the score to maximise. Defaults to
            ``'diswot'``.
        max_epochs (int): Generations. Defaults to 20.
        num_candidates (int): Population of each generation. Defaults to 50.
        top_k (int): Parents kept. Defaults to 10.
        num_mutation (int): Children by mutation per generation. Defaults
            to 25.
        num_crossover (int): Children by crossover. Defaults to 25.
        mutate_prob (float): Per-choice mutation probability. Defaults to
            0.1.
        crossover_prob (float): Per-choice probability of taking the second
            parent's choice. Defaults to 0.5.
        constraints_range (dict): Allowed ``flops`` / ``params`` (in M) as
            ``(min, max)``. Defaults to ``dict(params=(0, 1e9))``.
        resource_estimator (dict): Config of the resource estimator.
            Defaults to ActivePathResourceEstimator (mmrazor's numbers at
            the cost of a batch-1 forward) on (1, 3, 32, 32).
        max_sample_tries (int): Random draws tried per new candidate before
            the space counts as exhausted. Defaults to 200.
        seed (int): Seed of the search RNG. Defaults to 0.
        max_keep_ckpts (int): Search checkpoints kept. Defaults to 3.
        resume_from (str, optional): A ``search_epoch_N.json`` to resume
            from, or ``'auto'``: the newest valid one of the work_dir.
    """

    def __init__(self,
                 runner,
                 estimator: dict,
                 score_key: str = 'diswot',
                 max_epochs: int = 20,
                 num_candidates: int = 50,
                 top_k: int = 10,
                 num_mutation: int = 25,
                 num_crossover: int = 25,
                 mutate_prob: float = 0.1,
                 crossover_prob: float = 0.5,
                 constraints_range: Optional[Dict[str, Any]] = None,
                 resource_estimator: Optional[dict] = None,
                 max_sample_tries: int = 200,
                 seed: int = 0,
                 max_keep_ckpts: int = 3,
                 resume_from: Optional[str] = None) -> None:
        # No dataloader or evaluator: skip EvolutionSearchLoop's and
        # EpochBasedTrainLoop's constructors, which require both.
        BaseLoop.__init__(self, runner, dataloader=[])
        if num_mutation + num_crossover > num_candidates:
            raise ValueError(
                f'num_mutation + num_crossover ({num_mutation} + '
                f'{num_crossover}) must not exceed num_candidates '
                f'({num_candidates}).')
        if not 0 < top_k <= num_candidates:
            raise ValueError(f'top_k must be in [1, num_candidates='
                             f'{num_candidates}], got {top_k}.')
        self._max_epochs = max_epochs
        self._epoch = 0
        self.num_candidates = num_candidates
        self.top_k = top_k
        self.num_mutation = num_mutation
        self.num_crossover = num_crossover
        self.mutate_prob = mutate_prob
        self.crossover_prob = crossover_prob
        self.score_key = score_key
        self.max_sample_tries = max_sample_tries
        self.max_keep_ckpts = max_keep_ckpts
        self.resume_from = resume_from
        self.constraints_range = dict(constraints_range or dict(
            params=(0, 1e9)))
        for key in self.constraints_range:
            if key not in ('flops', 'params'):
                raise KeyError(f'constraints_range supports flops and params '
                               f'(in M), got {key!r}.')
        self.model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if not (hasattr(self.model, 'mutator')
                and hasattr(self.model, 'architecture')):
            raise TypeError('the search needs model = an mmrazor algorithm '
                            'with a mutator (e.g. type="mmrazor.SPOS"), got '
                            f'{type(self.model).__name__}.')
        name_unaliased_mutables(self.model.architecture)  # mmrazor's spaces
        self.mutator = self.model.mutator
        self.backbone = self.model.architecture.backbone
        self.codec = arch_codec(self.backbone, self.mutator)

        resource_estimator = resource_estimator or dict(
            type='ActivePathResourceEstimator', input_shape=(1, 3, 32, 32))
        self.estimator = TASK_UTILS.build(resource_estimator)
        self.score_estimator = build_score_estimator(estimator)
        # what a resumed state must have been written with
        self.search_config = json.loads(json.dumps(dict(
            model=runner.cfg.get('model'), estimator=estimator,
            score_key=score_key, num_candidates=num_candidates, top_k=top_k,
            num_mutation=num_mutation, num_crossover=num_crossover,
            mutate_prob=mutate_prob, crossover_prob=crossover_prob,
            constraints_range=self.constraints_range,
            resource_estimator=resource_estimator,
            max_sample_tries=max_sample_tries, seed=seed),
            sort_keys=True, default=str))

        self.timing = dict(check=0.0, score=0.0)  # seconds, this generation
        self.rng = random.Random(seed)
        self.records: Dict[str, dict] = {}  # arch -> scored candidate
        self.infeasible: Dict[str, dict] = {}  # arch -> resources
        self.exhausted = False

    # ----- candidate naming -------------------------------------------
    def arch_of(self, choices: Dict[str, Any]) -> str:
        """The space's name of a candidate (e.g. ``'557'``)."""
        return self.codec.encode(choices_to_alias(self.mutator, choices))

    def choices_of(self, arch: str) -> Dict[str, Any]:
        return alias_to_choices(self.mutator, self.codec.decode(arch))

    # ----- generating candidates --------------------------------------
    def _random_choices(self) -> Dict[str, Any]:
        return {
            group: self.rng.choice(list(mutables[0].choices))
            for group, mutables in self.mutator.search_groups.items()
        }

    def _mutation(self) -> Dict[str, Any]:
        parent = self.choices_of(self.rng.choice(self.top_k_archs))
        return {
            g: self.rng.choice(list(self.mutator.search_groups[g][0].choices))
            if self.rng.random() < self.mutate_prob else c
            for g, c in parent.items()
        }

    def _crossover(self) -> Dict[str, Any]:
        first = self.choices_of(self.rng.choice(self.top_k_archs))
        second = self.choices_of(self.rng.choice(self.top_k_archs))
        return {
            g: second[g] if self.rng.random() < self.crossover_prob else c
            for g, c in first.items()
        }

    def _collect(self, make, count: int, archs: List[str]) -> None:
        """Append up to ``count`` new feasible candidates drawn by ``make``."""
        target = len(archs) + count
        tries = 0
        while len(archs) < target and tries < self.max_sample_tries * count:
            tries += 1
            choices = make()
            arch = self.arch_of(choices)
            if arch in self.records or arch in self.infeasible or \
                    arch in archs:
                continue
            feasible, resources = self._check(choices)
            resources = {k: float(resources[k]) for k in ('flops', 'params')}
            if feasible:
                archs.append(arch)
                self.pending_resources[arch] = resources
            else:
                self.infeasible[arch] = resources

    def _check(self, choices: Dict[str, Any]):
        """(feasible, resources) of a candidate: the resource estimator's
        own ``check_subnet`` when it has one (ActivePathResourceEstimator:
        one batch-1 forward), else mmrazor's ``check_subnet_resources``
        (a sliced copy per candidate)."""
        start = time.perf_counter()
        check = getattr(self.estimator, 'check_subnet', None)
        if check is not None:
            result = check(self.model, choices, self.constraints_range)
        else:
            result = check_subnet_resources(self.model, choices,
                                            self.estimator,
                                            self.constraints_range)
        self.timing['check'] += time.perf_counter() - start
        return result

    def next_generation(self) -> List[str]:
        """New, feasible, never-scored candidates of this generation."""
        self.pending_resources: Dict[str, dict] = {}
        archs: List[str] = []
        if self.top_k_archs:
            self._collect(self._mutation, self.num_mutation, archs)
            self._collect(self._crossover, self.num_crossover, archs)
        self._collect(self._random_choices, self.num_candidates - len(archs),
                      archs)
        if not archs and not self.records:
            raise ValueError(self._no_feasible_message())
        return archs

    def _no_feasible_message(self) -> str:
        reach = {}
        for kind in ('min', 'max'):
            _, reach[kind] = self._check(
                self.mutator.sample_choices(kind=kind))
        return (f'no candidate satisfies constraints_range='
                f'{self.constraints_range}: the smallest subnet has '
                f'flops={reach["min"]["flops"]:.3f} M, params='
                f'{reach["min"]["params"]:.4f} M and the largest flops='
                f'{reach["max"]["flops"]:.3f} M, params='
                f'{reach["max"]["params"]:.4f} M. Widen the range.')

    # ----- scoring ---------------------------------------------------------
    def score_candidates(self, archs: List[str]) -> None:
        """Score ``archs``; each rank scores its share, results gathered."""
        rank, world_size = get_rank(), get_world_size()
        mine = archs[rank::world_size]
        bar = ProgressBar(len(mine)) if rank == 0 and mine else None
        results = {}
        start = time.perf_counter()
        for arch in mine:
            self.mutator.set_choices(self.choices_of(arch))
            scores = self.score_estimator.score(self.model, key=arch)
            if self.score_key not in scores:
                raise KeyError(f'score_key {self.score_key!r} is not among '
                               f'the estimator outputs {sorted(scores)}.')
            results[arch] = {k: float(v) for k, v in scores.items()}
            if bar is not None:
                bar.update()
        self.timing['score'] += time.perf_counter() - start
        if world_size > 1:
            gathered = all_gather_object(results)
            results = {k: v for part in gathered for k, v in part.items()}
        for arch in archs:  # in generation order, whatever the rank
            score = results[arch][self.score_key]
            self.records[arch] = dict(
                arch=arch,
                **results[arch],
                score=score if math.isfinite(score) else -math.inf,
                **self.pending_resources[arch],
                generation=self._epoch)
        self._combine_scores()

    def _combine_scores(self) -> None:
        """Re-score every held candidate when the estimator's score is
        relative to the population (``combine``, e.g. an EnsembleEstimator's
        mean rank): a new generation can change earlier candidates' ranks.
        Runs on every rank on the same records, in arch order, so all ranks
        and resumes agree."""
        combine = getattr(self.score_estimator, 'combine', None)
        if combine is None or self.score_key != getattr(
                self.score_estimator, 'score_name', None):
            return
        records = [self.records[arch] for arch in sorted(self.records)]
        for record, score in zip(records, combine(records)):
            record[self.score_key] = record['score'] = score

    def _ranked(self) -> List[dict]:
        """Finite-score candidates, best first (ties broken by arch)."""
        finite = [r for r in self.records.values()
                  if math.isfinite(r['score'])]
        return sorted(finite, key=lambda r: (-r['score'], r['arch']))

    @property
    def top_k_archs(self) -> List[str]:
        return [r['arch'] for r in self._ranked()[:self.top_k]]

    # ----- the loop --------------------------------------------------------
    def run(self) -> dict:
        """Search, write the outputs, return the best candidate's record."""
        if self.resume_from:
            self._resume()
        logger = self.runner.logger
        while self._epoch < self._max_epochs and not self.exhausted:
            self.run_epoch()
            self._save_searcher_ckpt()
            if self.exhausted:
                logger.info('Search space exhausted: no new feasible '
                            f'candidate left after {len(self.records)} '
                            'scored; stopping early.')
        if not self._ranked():
            raise RuntimeError('every scored candidate had a non-finite '
                               'score; nothing to select.')
        best = self._ranked()[0]
        if get_rank() == 0:
            self._save_best_fix_subnet()
            write_search_report(self, best)
        return best

    def run_epoch(self) -> None:
        """Generate, score and rank one generation; log its best and where
        its time went (per scored candidate: the whole loop, and the shares
        of constraint checks and scoring)."""
        self.timing = dict(check=0.0, score=0.0)
        start = time.perf_counter()
        archs = self.next_generation()
        if not archs:
            self.exhausted = True
            return
        self.score_candidates(archs)
        wall = time.perf_counter() - start
        best = self._ranked()[0] if self._ranked() else None
        ms_per_candidate = wall / len(archs) * 1000
        scalars = {'search/scored': len(self.records),
                   'search/ms_per_candidate': ms_per_candidate,
                   'search/check_share': self.timing['check'] / wall}
        if best is not None:
            scalars['search/best_score'] = best['score']
        # curves for the config's vis_backends (local JSON, TensorBoard, ...)
        self.runner.visualizer.add_scalars(scalars, step=self._epoch + 1)
        self.runner.logger.info(
            f'Generation [{self._epoch + 1}/{self._max_epochs}] scored '
            f'{len(archs)} new ({len(self.records)} in all, '
            f'{len(self.infeasible)} infeasible skipped), '
            f'{ms_per_candidate:.1f} ms/candidate '
            f'(checks {self.timing["check"] / wall:.0%}, scoring '
            f'{self.timing["score"] / wall:.0%}); best ' +
            (f'{best["arch"]} {self.score_key}={best["score"]:.6g}'
             if best else 'none (no finite score yet)'))
        self._epoch += 1

    def _state(self) -> dict:
        return dict(
            format_version=FORMAT_VERSION,
            config_hash=config_hash(self.search_config),
            config=self.search_config,
            epoch=self._epoch,
            records=self.records,
            infeasible=self.infeasible,
            exhausted=self.exhausted,
            rng_state=self.rng.getstate())

    def _save_searcher_ckpt(self) -> None:
        """Atomically write ``search_epoch_N.json``; keep the newest few."""
        if get_rank() != 0:
            return
        work_dir = self.runner.work_dir
        write_state(osp.join(work_dir, STATE_PATTERN.format(self._epoch)),
                    self._state())
        if self.max_keep_ckpts > 0:
            for stale in find_states(work_dir)[:-self.max_keep_ckpts]:
                os.remove(stale)

    def _resume(self) -> None:
        """Load the state of ``resume_from`` (``'auto'``: the newest valid
        one of the work_dir, saying which newer files were skipped and
        why)."""
        logger, work_dir = self.runner.logger, self.runner.work_dir
        if self.resume_from == 'auto':
            path, state, skipped = newest_valid_state(work_dir,
                                                      self.search_config)
            for bad, why in skipped:
                logger.warning(f'--resume: skipped {bad}: {why}.')
            if path is None:
                legacy = glob.glob(osp.join(work_dir, 'search_epoch_*.pkl'))
                logger.info(
                    f'--resume: no valid search state in {work_dir}; '
                    'starting afresh.' +
                    (f' ({len(legacy)} search_epoch_N.pkl of an older '
                     'diswot_mm are not read: pickles can run code.)'
                     if legacy else ''))
                return
        else:
            path = self.resume_from
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'resume_from {path!r} does not exist: give a '
                    'search_epoch_N.json of an earlier search of this '
                    'config, or --resume without a path for the newest.')
            try:
                state = read_state(path, self.search_config)
            except SearchStateError as err:
                newest, _, _ = newest_valid_state(work_dir,
                                                  self.search_config)
                hint = (f'The newest valid state in {work_dir} is {newest}: '
                        f'--resume {newest} (or --resume without a path).'
                        if newest else f'{work_dir} holds no valid state of '
                        'this config: run without --resume to start afresh.')
                raise SearchStateError(
                    f'cannot resume from {path}: {err}. {hint}') from None
        self._epoch = state['epoch']
        self.records = state['records']
        self.infeasible = state['infeasible']
        self.exhausted = state['exhausted']
        version, internal, gauss = state['rng_state']
        self.rng.setstate((version, tuple(internal), gauss))
        logger.info(f'Resumed from {path}: generation {self._epoch}, '
                    f'{len(self.records)} candidates scored.')

    def _save_best_fix_subnet(self) -> None:
        """``best_fix_subnet.yaml``: the mmrazor fix_subnet of the best."""
        from mmengine import fileio
        self.mutator.set_choices(self.choices_of(self._ranked()[0]['arch']))
        fix_subnet, _ = export_fix_subnet(self.model)
        fileio.dump(
            convert_fix_subnet(fix_subnet),
            osp.join(self.runner.work_dir, 'best_fix_subnet.yaml'))


def build_score_estimator(cfg: dict):
    """Build a training-free estimator; list the registered ones if the
    type is unknown."""
    try:
        estimator = TASK_UTILS.build(copy.deepcopy(cfg))
    except KeyError as err:
        if str(cfg.get('type')) not in str(err):
            raise
        known = sorted(name for name, cls in TASK_UTILS.module_dict.items()
                       if hasattr(cls, 'score'))
        raise KeyError(f'unknown estimator {cfg.get("type")!r}; the '
                       f'registered training-free estimators are {known}.'
                       ) from err
    if not callable(getattr(estimator, 'score', None)):
        raise TypeError(f'{type(estimator).__name__} has no score(model) '
                        'method: it is not a training-free estimator.')
    return estimator
