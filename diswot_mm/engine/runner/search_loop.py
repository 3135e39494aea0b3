"""Training-free evolution search: mmrazor's evolution search, each candidate
scored by a training-free estimator (DisWOT by default) instead of being
validated, run by mmengine's Runner from ``train_cfg``."""
import copy
import glob
import inspect
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
from mmrazor.engine.runner.utils import check_subnet_resources

from diswot_mm.datasets import (apply_sample_fallback, dataset_cache,
                                describe_minibatches)
from diswot_mm.models.mutables import to_single_path
from diswot_mm.models.search_spaces import (alias_to_choices, arch_codec,
                                            choices_to_alias, mutable_choices,
                                            name_unaliased_mutables,
                                            subnet_network)
from diswot_mm.models.task_modules.estimators import (TrainingFreeEstimator,
                                                      check_constraints)
from diswot_mm.registry import LOOPS, TASK_UTILS
from diswot_mm.utils.progress import Progress
from .search_state import (FORMAT_VERSION, STATE_PATTERN, SearchStateError,
                           check_work_dir, config_hash, find_states,
                           newest_valid_state, read_state, write_state)

#: The resource estimator of a search that configures none.
DEFAULT_RESOURCE_ESTIMATOR = dict(
    type='ActivePathResourceEstimator', input_shape=(1, 3, 32, 32))


def search_config(model: Optional[dict], estimator: dict, **settings) -> dict:
    """What a resumed state must have been written with: the supernet, the
    estimator (after the sample fallback) and the search settings, as
    canonical JSON values."""
    return json.loads(
        json.dumps(
            dict(model=model, estimator=estimator, **settings),
            sort_keys=True,
            default=str))


@LOOPS.register_module()
class TrainingFreeSearchLoop(BaseLoop):
    """Evolution search that scores candidates without training them.

    The loop of mmrazor's ``EvolutionSearchLoop`` (generations of mutation
    and crossover of the ``top_k`` under ``constraints_range``) with a
    training-free ``estimator`` in place of validation. Each generation (an
    "epoch") scores the candidates not scored before with
    ``estimator.score(model, key=arch)[score_key]`` (re-scoring all held
    candidates with ``estimator.combine`` when the score is relative to the
    population, as an ensemble's mean rank is) and keeps the ``top_k`` of
    everything scored so far. No candidate is scored twice; the search stops
    early when no new feasible candidate can be found. Scores keep full
    precision (mmrazor rounds to 2 decimals, which collapses training-free
    scores). A candidate whose scoring raises is recorded as infeasible
    with the error, and the search goes on.

    Run by the Runner (``train_cfg = dict(type='TrainingFreeSearchLoop',
    ...)``, ``runner.train()``), it fires ``before_train`` and
    ``after_train``; the outputs (fix_subnet, candidate table, plot,
    student and distillation configs) are written by ``SearchReportHook``.

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
        estimator (dict): Config of a :class:`TrainingFreeEstimator`.
        dataloader (dict): The Runner's ``train_dataloader`` (mmengine's
            hooks read its metainfo); the scores use the estimators' own
            minibatch (``estimator.dataloader``), not this.
        score_key (str): Key of the score to maximise. Defaults to
            ``'diswot'``.
        max_epochs (int): Generations. Defaults to 20.
        num_candidates (int): Population of each generation. Defaults to 50.
        top_k (int): Parents kept. Defaults to 10.
        num_mutation (int): Children by mutation per generation. Defaults
            to 25.
        num_crossover (int): Children by crossover. Defaults to 25. When
            ``num_mutation + num_crossover`` exceeds ``num_candidates`` both
            are scaled down when a generation breeds (said in the log).
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
        max_keep_ckpts (int): Search states of this config kept. Defaults
            to 3.
        resume_from (str, optional): A ``search_epoch_N.json`` to resume
            from, or ``'auto'``: the newest valid one of the work_dir.
        sample_fallback (dict, optional): ``dict(data_root=ROOT,
            dataloader=None)``: when the estimator's data set at ``ROOT`` is
            missing, score on ``dataloader`` (default: the 20 CIFAR-100 test
            images embedded in diswot_mm), loudly. The demo configs set it;
            without it (or for any other root) missing data is an error.
    """

    def __init__(self,
                 runner,
                 estimator: dict,
                 dataloader: Any,
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
                 resume_from: Optional[str] = None,
                 sample_fallback: Optional[dict] = None) -> None:
        super().__init__(runner, dataloader)
        for name, value in (('num_candidates', num_candidates),
                            ('top_k', top_k), ('max_epochs', max_epochs)):
            if value < 1:
                raise ValueError(f'train_cfg.{name} must be >= 1, got '
                                 f'{value}.')
        for name, value in (('num_mutation', num_mutation), ('num_crossover',
                                                             num_crossover)):
            if value < 0:
                raise ValueError(f'train_cfg.{name} must be >= 0, got '
                                 f'{value}.')
        for name, value in (('mutate_prob', mutate_prob), ('crossover_prob',
                                                           crossover_prob)):
            if not 0 <= value <= 1:
                raise ValueError(f'train_cfg.{name} is a probability, got '
                                 f'{value}.')
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
        self.constraints_range = dict(
            constraints_range or dict(params=(0, 1e9)))
        for key, bounds in self.constraints_range.items():
            if not (isinstance(bounds, (list, tuple)) and len(bounds) == 2
                    and bounds[0] <= bounds[1]):
                raise ValueError(f'train_cfg.constraints_range.{key} must be '
                                 f'(min, max) with min <= max, got {bounds}.')
        self.model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if not (hasattr(self.model, 'mutator')
                and hasattr(self.model, 'architecture')):
            raise TypeError('the search needs model = an mmrazor algorithm '
                            'with a mutator (e.g. type="mmrazor.SPOS"), got '
                            f'{type(self.model).__name__}.')
        name_unaliased_mutables(self.model.architecture)  # mmrazor's spaces
        to_single_path(self.model.architecture)  # DARTS, DSNAS: one path
        self.mutator = self.model.mutator
        self.backbone = self.model.architecture.backbone
        self.codec = arch_codec(self.backbone, self.mutator)

        resource_estimator = resource_estimator or DEFAULT_RESOURCE_ESTIMATOR
        self.resource_estimator = TASK_UTILS.build(resource_estimator)
        check_constraints(self.resource_estimator, self.constraints_range)
        probe = random.Random(seed)  # not the search's rng
        self.resource_estimator.check_choices_change_network(
            self.model, [self._random_choices(probe) for _ in range(2)])
        estimator = copy.deepcopy(estimator)
        with dataset_cache():  # checked, then loaded: built once
            apply_sample_fallback(estimator, sample_fallback, runner.logger,
                                  'train_cfg.estimator')
            self.estimator = build_score_estimator(estimator)
        self.minibatch = self.estimator.minibatch_info
        counted = tuple(self.resource_estimator.input_shape[-2:])
        scored = sorted(
            {tuple(m['input_shape'][-2:])
             for m in self.minibatch.values()} - {counted})
        if scored:
            runner.logger.warning(
                f'FLOPs are counted at {counted} (train_cfg.'
                f'resource_estimator.input_shape) but candidates are scored '
                f'at {scored} (H, W): the constraints and candidates.csv use '
                'the former. To count at the scored size, set train_cfg.'
                'resource_estimator.input_shape=(1, 3, H, W).')
        self.search_config = search_config(
            runner.cfg.get('model'),
            estimator,
            score_key=score_key,
            num_candidates=num_candidates,
            top_k=top_k,
            num_mutation=num_mutation,
            num_crossover=num_crossover,
            mutate_prob=mutate_prob,
            crossover_prob=crossover_prob,
            constraints_range=self.constraints_range,
            resource_estimator=resource_estimator,
            max_sample_tries=max_sample_tries,
            seed=seed)

        self.timing = dict(check=0.0, score=0.0)  # seconds, this generation
        self.rng = random.Random(seed)
        self.records: Dict[str, dict] = {}  # arch -> scored candidate
        self.infeasible: Dict[str, dict] = {}  # arch -> resources
        self.pending_resources: Dict[str, dict] = {}  # this generation's
        self.exhausted = False
        self.last_state: Optional[str] = None  # newest state written
        self.best: Optional[dict] = None  # set when the search ends
        self._told_breeding = False

    @classmethod
    def check_work_dir_of(cls, cfg, logger=None) -> None:
        """Run :func:`check_work_dir` for a search config before a Runner
        is built (it writes a copy of the config into the work_dir), with
        the settings the loop will use (defaults filled in)."""
        settings = inspect.signature(cls.__init__).bind(
            None,
            runner=None,
            dataloader=None,
            **{
                k: v
                for k, v in cfg.train_cfg.items() if k != 'type'
            })
        settings.apply_defaults()
        args = dict(settings.arguments)
        estimator = copy.deepcopy(args.pop('estimator'))
        apply_sample_fallback(estimator, args['sample_fallback'], None,
                              'train_cfg.estimator')
        config = search_config(
            cfg.get('model'),
            estimator,
            constraints_range=dict(args['constraints_range']
                                   or dict(params=(0, 1e9))),
            resource_estimator=(args['resource_estimator']
                                or DEFAULT_RESOURCE_ESTIMATOR),
            **{
                k: args[k]
                for k in ('score_key', 'num_candidates', 'top_k',
                          'num_mutation', 'num_crossover', 'mutate_prob',
                          'crossover_prob', 'max_sample_tries', 'seed')
            })
        check_work_dir(cfg.work_dir, config, args['resume_from'], logger)

    # ----- what mmengine's Runner and hooks read --------------------------
    @property
    def max_epochs(self) -> int:
        return self._max_epochs

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def iter(self) -> int:
        """Candidates scored so far."""
        return len(self.records)

    @property
    def max_iters(self) -> int:
        return self._max_epochs * self.num_candidates

    # ----- candidate naming -------------------------------------------
    def arch_of(self, choices: Dict[str, Any]) -> str:
        """The space's name of a candidate (e.g. ``'557'``)."""
        return self.codec.encode(choices_to_alias(self.mutator, choices))

    def choices_of(self, arch: str) -> Dict[str, Any]:
        return alias_to_choices(self.mutator, self.codec.decode(arch))

    # ----- generating candidates --------------------------------------
    def _random_choices(self,
                        rng: Optional[random.Random] = None) -> Dict[str, Any]:
        rng = rng or self.rng
        return {
            group: rng.choice(mutable_choices(mutables[0]))
            for group, mutables in self.mutator.search_groups.items()
        }

    def _mutation(self) -> Dict[str, Any]:
        parent = self.choices_of(self.rng.choice(self.top_k_archs))
        return {
            g:
            self.rng.choice(mutable_choices(self.mutator.search_groups[g][0]))
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
            resources = {
                k: float(resources[k])
                for k in ('flops', 'params', *self.constraints_range)
            }
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
        check = getattr(self.resource_estimator, 'check_subnet', None)
        if check is not None:
            result = check(self.model, choices, self.constraints_range)
        else:
            result = check_subnet_resources(self.model, choices,
                                            self.resource_estimator,
                                            self.constraints_range)
        self.timing['check'] += time.perf_counter() - start
        return result

    def _breeding_counts(self):
        """(num_mutation, num_crossover) for a breeding generation, scaled
        down proportionally when together they exceed num_candidates."""
        bred = self.num_mutation + self.num_crossover
        if bred <= self.num_candidates:
            return self.num_mutation, self.num_crossover
        mutation = self.num_mutation * self.num_candidates // bred
        crossover = self.num_candidates - mutation
        if not self._told_breeding:
            self.runner.logger.info(
                f'num_mutation + num_crossover ({self.num_mutation} + '
                f'{self.num_crossover}) exceed num_candidates '
                f'({self.num_candidates}): breeding {mutation} + {crossover}'
                ' per generation.')
            self._told_breeding = True
        return mutation, crossover

    def next_generation(self) -> List[str]:
        """New, feasible, never-scored candidates of this generation."""
        self.pending_resources = {}
        archs: List[str] = []
        if self.top_k_archs:
            mutation, crossover = self._breeding_counts()
            self._collect(self._mutation, mutation, archs)
            self._collect(self._crossover, crossover, archs)
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
                f'{reach["max"]["params"]:.4f} M' +
                (f'; latency {reach["min"]["latency"]:.3f} ms (smallest)'
                 f' and {reach["max"]["latency"]:.3f} ms (largest)'
                 if 'latency' in reach['min'] else '') + '. Widen the range.')

    # ----- scoring ---------------------------------------------------------
    def _score_one(self, arch: str) -> Dict[str, Any]:
        """The estimator's scores of ``arch``; a candidate whose scoring
        raises gets ``score_key = -inf`` and ``error``."""
        self.mutator.set_choices(self.choices_of(arch))
        try:
            # a channel supernet's candidate: its sliced static network
            network, sliced = subnet_network(self.model)
            scores = self.estimator.score(
                network if sliced else self.model, key=arch)
        except Exception as err:  # noqa: B902 (one candidate, not the run)
            message = f'{type(err).__name__}: {err}'.splitlines()[0][:500]
            self.runner.logger.warning(
                f'candidate {arch}: scoring failed ({message}); recorded as '
                'infeasible.')
            return {self.score_key: -math.inf, 'error': message}
        if self.score_key not in scores:
            raise KeyError(f'score_key {self.score_key!r} is not among '
                           f'the estimator outputs {sorted(scores)}.')
        return {k: float(v) for k, v in scores.items()}

    def score_candidates(self, archs: List[str]) -> None:
        """Score ``archs``; each rank scores its share, results gathered.

        Raises:
            RuntimeError: every candidate of the generation failed (quoting
                the first error): the estimator, not a candidate, is broken.
        """
        rank, world_size = get_rank(), get_world_size()
        mine = archs[rank::world_size]
        bar = Progress(len(mine), 'scoring') if rank == 0 and mine else None
        results = {}
        start = time.perf_counter()
        for arch in mine:
            results[arch] = self._score_one(arch)
            if bar is not None:
                bar.update()
        self.timing['score'] += time.perf_counter() - start
        if world_size > 1:
            gathered = all_gather_object(results)
            results = {k: v for part in gathered for k, v in part.items()}
        failed = [a for a in archs if 'error' in results[a]]
        if failed and len(failed) == len(archs):
            raise RuntimeError(
                f'every candidate of generation {self._epoch + 1} failed to '
                f'score ({len(archs)}); the first, {failed[0]}: '
                f'{results[failed[0]]["error"]}')
        for arch in archs:  # in generation order, whatever the rank
            score = results[arch][self.score_key]
            # an estimator output named like a resource (ParamsEstimator's
            # 'params') is that resource: the checked value is kept
            self.records[arch] = {
                'arch':
                arch,
                **results[arch], 'score':
                score if math.isfinite(score) else -math.inf,
                **self.pending_resources[arch], 'generation':
                self._epoch
            }
        self._combine_scores()

    def _combine_scores(self) -> None:
        """Re-score every held candidate when the estimator's score is
        relative to the population (``combine``, e.g. an EnsembleEstimator's
        mean rank): a new generation can change earlier candidates' ranks.
        Runs on every rank on the same records, in arch order, so all ranks
        and resumes agree."""
        if not (self.estimator.population_relative
                and self.score_key == self.estimator.score_name):
            return
        records = [
            self.records[arch] for arch in sorted(self.records)
            if 'error' not in self.records[arch]
        ]
        for record, score in zip(records, self.estimator.combine(records)):
            record[self.score_key] = record['score'] = score

    def _ranked(self) -> List[dict]:
        """Finite-score candidates, best first (ties broken by arch)."""
        finite = [
            r for r in self.records.values() if math.isfinite(r['score'])
        ]
        return sorted(finite, key=lambda r: (-r['score'], r['arch']))

    @property
    def top_k_archs(self) -> List[str]:
        return [r['arch'] for r in self._ranked()[:self.top_k]]

    # ----- the loop --------------------------------------------------------
    def run(self):
        """Search; the best candidate's record ends in :attr:`best` (the
        ``after_train`` hooks write the outputs). Returns the model."""
        self.runner.call_hook('before_train')
        self.runner.logger.info('Scores computed on: ' +
                                describe_minibatches(self.minibatch))
        check_work_dir(self.runner.work_dir, self.search_config,
                       self.resume_from, self.runner.logger)
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
        self.best = self._ranked()[0]
        self.runner.call_hook('after_train')
        return self.runner.model

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
        scalars = {
            'search/scored': len(self.records),
            'search/ms_per_candidate': ms_per_candidate,
            'search/check_share': self.timing['check'] / wall
        }
        if best is not None:
            scalars['search/best_score'] = best['score']
        # curves for the config's vis_backends (local JSON, TensorBoard, ...)
        self.runner.visualizer.add_scalars(scalars, step=self._epoch + 1)
        failed = sum('error' in self.records[a] for a in archs)
        self.runner.logger.info(
            f'Generation [{self._epoch + 1}/{self._max_epochs}] scored '
            f'{len(archs)} new ({len(self.records)} in all, '
            f'{len(self.infeasible)} infeasible skipped' +
            (f', {failed} failed to score' if failed else '') + '), '
            f'{ms_per_candidate:.1f} ms/candidate '
            f'(checks {self.timing["check"] / wall:.0%}, scoring '
            f'{self.timing["score"] / wall:.0%}); best ' +
            (f'{best["arch"]} {self.score_key}={best["score"]:.6g}'
             if best else 'none (no finite score yet)'))
        self._epoch += 1

    # ----- the search state ------------------------------------------------
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

    def _own_states(self) -> List[str]:
        """This config's states in the work_dir, oldest first."""
        own = []
        for path in find_states(self.runner.work_dir):
            try:
                with open(path) as f:
                    if json.load(f).get('config_hash') == config_hash(
                            self.search_config):
                        own.append(path)
            except (OSError, ValueError, AttributeError):
                continue  # a torn or foreign file: never ours to delete
        return own

    def _save_searcher_ckpt(self) -> None:
        """Atomically write ``search_epoch_N.json``; keep the newest
        ``max_keep_ckpts`` of this config (another search's are never
        deleted)."""
        if get_rank() != 0:
            return
        self.last_state = osp.join(self.runner.work_dir,
                                   STATE_PATTERN.format(self._epoch))
        write_state(self.last_state, self._state())
        if self.max_keep_ckpts > 0:
            for stale in self._own_states()[:-self.max_keep_ckpts]:
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
                    f'--resume: no search state in {work_dir}; starting '
                    'afresh.' +
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
                newest, _, _ = newest_valid_state(work_dir, self.search_config)
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
        self.last_state = path
        version, internal, gauss = state['rng_state']
        self.rng.setstate((version, tuple(internal), gauss))
        logger.info(f'Resumed from {path}: generation {self._epoch}, '
                    f'{len(self.records)} candidates scored.')


def build_score_estimator(cfg: dict) -> TrainingFreeEstimator:
    """Build a training-free estimator.

    Raises:
        KeyError: unknown type (listing the registered ones), or a setting
            the estimator does not take (for an ensemble: which member path
            to set it on).
        TypeError: the type is not a :class:`TrainingFreeEstimator`.
    """
    known = sorted(
        name for name, cls in TASK_UTILS.module_dict.items()
        if isinstance(cls, type) and issubclass(cls, TrainingFreeEstimator)
        and not inspect.isabstract(cls))
    cls = TASK_UTILS.get(cfg.get('type'))
    if cls is None:
        raise KeyError(f'unknown estimator {cfg.get("type")!r}; the '
                       f'registered training-free estimators are {known}.')
    if not (isinstance(cls, type) and issubclass(cls, TrainingFreeEstimator)):
        raise TypeError(f'{cls.__name__} is not a training-free estimator '
                        f'(registered ones: {known}).')
    params = inspect.signature(cls.__init__).parameters
    if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
        unknown = sorted(set(cfg) - set(params) - {'type', '_scope_'})
        if unknown:
            hint = ''.join(
                f' Set it on a member instead, e.g. '
                f'train_cfg.estimator.estimators.{name}.{unknown[0]}'
                for name in list(cfg.get('estimators', {}))[:1])
            raise KeyError(
                f'{cls.__name__} has no setting {unknown}; it takes '
                f'{sorted(set(params) - {"self"})}.{hint}')
    return TASK_UTILS.build(copy.deepcopy(cfg))
