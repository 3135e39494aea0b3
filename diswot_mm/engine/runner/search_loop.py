"""Training-free evolution search: mmrazor's evolution search, each candidate
scored by a training-free estimator (DisWOT by default) instead of being
validated, run by mmengine's Runner from ``train_cfg``."""
import copy
import random
import time
from typing import Any, Dict, List, Optional

from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.model import is_model_wrapper
from mmengine.runner.base_loop import BaseLoop

from diswot_mm.datasets import (apply_sample_fallback, dataset_cache,
                                describe_minibatches)
from diswot_mm.models.search_spaces import SearchSpace
from diswot_mm.models.task_modules.estimators import (build_resource_estimator,
                                                      build_score_estimator)
from diswot_mm.registry import LOOPS
from diswot_mm.utils.progress import Progress
from .search_state import SearchStateStore
from .utils import (CandidateRecord, Records, SearchSettings, add_records,
                    breeding_counts, combine_population, crossover,
                    generation_summary, mutate, no_feasible_message,
                    random_choices, ranked, resolution_warning,
                    score_candidate)


@LOOPS.register_module()
class TrainingFreeSearchLoop(BaseLoop):
    """Evolution search that scores candidates without training them.

    mmrazor's ``EvolutionSearchLoop`` (generations of mutation and crossover
    of the ``top_k`` under ``constraints_range``) with a training-free
    ``estimator`` in place of validation. Each generation (an "epoch")
    scores the candidates never scored before with ``estimator.score(model,
    key=arch)[score_key]`` at full precision (mmrazor rounds to 2 decimals)
    and keeps the ``top_k`` of everything scored; a population-relative
    score (an ensemble's mean rank) re-scores all held candidates. A
    candidate whose scoring raises is recorded with its error; the search
    stops early when no new feasible candidate is left. Run by the Runner
    (``train_cfg = dict(type='TrainingFreeSearchLoop', ...)``), it fires
    ``before_train`` and ``after_train``; ``SearchReportHook`` writes the
    outputs.

    Reproducible: one seeded RNG drives breeding (:mod:`.utils.genetic`),
    its state is saved with the scores after every generation
    (:mod:`.search_state`) and the estimator derives each candidate's
    weights from its arch, so a resumed search, or one run on several
    processes (each scoring its share of a generation), ends exactly like
    one uninterrupted single-process run.

    Args:
        runner (Runner): ``runner.model`` is an mmrazor algorithm with a
            ``mutator`` and an ``architecture`` (e.g. SPOS).
        dataloader (dict): The Runner's ``train_dataloader`` (hooks read its
            metainfo); scores use the estimator's own minibatch.
        estimator (dict): Config of a :class:`TrainingFreeEstimator`.
        **settings: :class:`.utils.SearchSettings` (``score_key``,
            ``max_epochs``, ``num_candidates``, ``top_k``, ...).
    """

    def __init__(self, runner, dataloader: Any, estimator: dict,
                 **settings) -> None:
        super().__init__(runner, dataloader)
        self.settings = cfg = SearchSettings.from_train_cfg(settings)
        self._epoch = 0
        self.model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        self.space = SearchSpace(self.model)
        self.mutator = self.space.mutator

        self.resource_estimator = build_resource_estimator(
            cfg.resource_estimator, cfg.constraints_range)
        probe = random.Random(cfg.seed)  # not the search's rng
        self.resource_estimator.check_choices_change_network(
            self.model, [
                random_choices(self.mutator.search_groups, probe)
                for _ in range(2)
            ])
        estimator = copy.deepcopy(estimator)
        with dataset_cache():  # checked, then loaded: built once
            apply_sample_fallback(estimator, cfg.sample_fallback,
                                  runner.logger, 'train_cfg.estimator')
            self.estimator = build_score_estimator(estimator)
        self.minibatch = self.estimator.minibatch_info
        warning = resolution_warning(self.resource_estimator.input_shape,
                                     self.minibatch)
        if warning:
            runner.logger.warning(warning)
        self.search_config = cfg.search_config(
            runner.cfg.get('model'), estimator)
        self.store = SearchStateStore(runner.work_dir, self.search_config,
                                      cfg.max_keep_ckpts)
        self.timing = dict(check=0.0, score=0.0)  # seconds, this generation
        self.rng = random.Random(cfg.seed)
        self.records: Records = {}  # arch -> scored candidate
        self.infeasible: Dict[str, dict] = {}  # arch -> resources
        self.pending_resources: Dict[str, dict] = {}  # this generation's
        self.exhausted = False
        self.last_state: Optional[str] = None  # newest state written
        self.best: Optional[CandidateRecord] = None  # when the search ends
        self._told_breeding = False

    @staticmethod
    def check_work_dir_of(cfg, logger=None) -> None:
        """Check a search config's work_dir (:func:`.search_state.
        check_work_dir`) before a Runner is built (it writes a copy of the
        config into the work_dir), with the settings the loop will use."""
        settings = SearchSettings.from_train_cfg(cfg.train_cfg)
        estimator = copy.deepcopy(cfg.train_cfg.estimator)
        apply_sample_fallback(estimator, settings.sample_fallback, None,
                              'train_cfg.estimator')
        SearchStateStore(cfg.work_dir,
                         settings.search_config(cfg.get('model'), estimator),
                         settings.max_keep_ckpts).check(
                             settings.resume_from, logger)

    # ----- what mmengine's Runner and hooks read --------------------------
    @property
    def max_epochs(self) -> int:
        return self.settings.max_epochs

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def iter(self) -> int:
        """Candidates scored so far."""
        return len(self.records)

    @property
    def max_iters(self) -> int:
        return self.settings.max_epochs * self.settings.num_candidates

    @property
    def score_key(self) -> str:
        return self.settings.score_key

    # ----- generating candidates --------------------------------------
    def _random(self) -> Dict[str, Any]:
        return random_choices(self.mutator.search_groups, self.rng)

    def _mutation(self) -> Dict[str, Any]:
        parent = self.space.choices_of(self.rng.choice(self.top_k_archs))
        return mutate(parent, self.mutator.search_groups, self.rng,
                      self.settings.mutate_prob)

    def _crossover(self) -> Dict[str, Any]:
        first = self.space.choices_of(self.rng.choice(self.top_k_archs))
        second = self.space.choices_of(self.rng.choice(self.top_k_archs))
        return crossover(first, second, self.rng, self.settings.crossover_prob)

    def _collect(self, make, count: int, archs: List[str]) -> None:
        """Append up to ``count`` new feasible candidates drawn by ``make``."""
        target = len(archs) + count
        tries = 0
        while (len(archs) < target
               and tries < self.settings.max_sample_tries * count):
            tries += 1
            choices = make()
            arch = self.space.arch_of(choices)
            if arch in self.records or arch in self.infeasible or \
                    arch in archs:
                continue
            feasible, resources = self._check(choices)
            resources = {
                k: float(resources[k])
                for k in ('flops', 'params', *self.settings.constraints_range)
            }
            if feasible:
                archs.append(arch)
                self.pending_resources[arch] = resources
            else:
                self.infeasible[arch] = resources

    def _check(self, choices: Dict[str, Any]):
        """(feasible, resources) of a candidate (one batch-1 forward)."""
        start = time.perf_counter()
        result = self.resource_estimator.check_subnet(
            self.model, choices, self.settings.constraints_range)
        self.timing['check'] += time.perf_counter() - start
        return result

    def _breeding_counts(self):
        """(num_mutation, num_crossover) of a breeding generation (said in
        the log once when scaled down)."""
        cfg = self.settings
        n_mutation, n_crossover = breeding_counts(cfg.num_candidates,
                                                  cfg.num_mutation,
                                                  cfg.num_crossover)
        if (n_mutation, n_crossover) != (cfg.num_mutation, cfg.num_crossover) \
                and not self._told_breeding:
            self.runner.logger.info(
                f'num_mutation + num_crossover ({cfg.num_mutation} + '
                f'{cfg.num_crossover}) exceed num_candidates '
                f'({cfg.num_candidates}): breeding {n_mutation} + '
                f'{n_crossover} per generation.')
            self._told_breeding = True
        return n_mutation, n_crossover

    def next_generation(self) -> List[str]:
        """New, feasible, never-scored candidates of this generation."""
        self.pending_resources = {}
        archs: List[str] = []
        if self.top_k_archs:
            n_mutation, n_crossover = self._breeding_counts()
            self._collect(self._mutation, n_mutation, archs)
            self._collect(self._crossover, n_crossover, archs)
        self._collect(self._random, self.settings.num_candidates - len(archs),
                      archs)
        if not archs and not self.records:
            raise ValueError(self._no_feasible_message())
        return archs

    def _no_feasible_message(self) -> str:
        smallest, largest = (
            self._check(self.mutator.sample_choices(kind=kind))[1]
            for kind in ('min', 'max'))
        return no_feasible_message(self.settings.constraints_range, smallest,
                                   largest)

    # ----- scoring ---------------------------------------------------------
    def _score_one(self, arch: str) -> Dict[str, Any]:
        return score_candidate(self.estimator, self.space, arch,
                               self.score_key)

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
        add_records(self.records, archs, results, self.pending_resources,
                    self.score_key, self._epoch, self.runner.logger)
        combine_population(self.estimator, self.records, self.score_key)

    @property
    def top_k_archs(self) -> List[str]:
        return [r['arch'] for r in ranked(self.records)[:self.settings.top_k]]

    # ----- the loop --------------------------------------------------------
    def run(self):
        """Search; the best candidate's record ends in :attr:`best` (the
        ``after_train`` hooks write the outputs). Returns the model."""
        self.runner.call_hook('before_train')
        self.runner.logger.info('Scores computed on: ' +
                                describe_minibatches(self.minibatch))
        self.store.check(self.settings.resume_from, self.runner.logger)
        if self.settings.resume_from:
            self._resume()
        logger = self.runner.logger
        while self._epoch < self.settings.max_epochs and not self.exhausted:
            self.run_epoch()
            self._save_searcher_ckpt()
            if self.exhausted:
                logger.info('Search space exhausted: no new feasible '
                            f'candidate left after {len(self.records)} '
                            'scored; stopping early.')
        if not ranked(self.records):
            raise RuntimeError('every scored candidate had a non-finite '
                               'score; nothing to select.')
        self.best = ranked(self.records)[0]
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
        scalars, message = generation_summary(self.records, archs,
                                              len(self.infeasible),
                                              self.timing,
                                              time.perf_counter() - start,
                                              self._epoch, self.max_epochs,
                                              self.score_key)
        # curves for the config's vis_backends (local JSON, TensorBoard, ...)
        self.runner.visualizer.add_scalars(scalars, step=self._epoch + 1)
        self.runner.logger.info(message)
        self._epoch += 1

    # ----- the search state ------------------------------------------------
    def _save_searcher_ckpt(self) -> None:
        """Write this generation's state (rank 0)."""
        if get_rank() != 0:
            return
        # named first: a Ctrl-C once the file is there reports it
        self.last_state = self.store.path(self._epoch)
        self.store.save(
            self._epoch,
            records=self.records,
            infeasible=self.infeasible,
            exhausted=self.exhausted,
            rng_state=self.rng.getstate())

    def _resume(self) -> None:
        """Load the state of ``resume_from`` (``SearchStateStore.load``)."""
        path, state = self.store.load(self.settings.resume_from,
                                      self.runner.logger)
        if state is None:
            return
        self._epoch = state['epoch']
        self.records = state['records']
        self.infeasible = state['infeasible']
        self.exhausted = state['exhausted']
        self.last_state = path
        version, internal, gauss = state['rng_state']
        self.rng.setstate((version, tuple(internal), gauss))
        self.runner.logger.info(
            f'Resumed from {path}: generation {self._epoch}, '
            f'{len(self.records)} candidates scored.')
