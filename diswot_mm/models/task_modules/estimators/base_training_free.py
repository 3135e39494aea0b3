"""The training-free estimator interface, and what the single-network ones
share: one real minibatch, a device, a seeded random initialisation per
candidate."""
import copy
import math
import warnings
from abc import ABCMeta, abstractmethod
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmrazor.models.task_modules.estimators.base_estimator import BaseEstimator

from diswot_mm.datasets import describe_minibatch, load_minibatch
from diswot_mm.registry import TASK_UTILS, get_in_scope
from .initialization import INIT_SCHEMES, derive_seed, random_init_
from .introspection import candidate_key


class TrainingFreeEstimator(metaclass=ABCMeta):
    """What the search loop and the rank tool need of an estimator.

    ``score(model, key)`` gives a dict of floats whose ``score_name`` entry
    is higher-is-better. An estimator whose score only exists relative to a
    population (an ensemble's mean rank) sets ``population_relative`` and
    implements :meth:`combine`; ``minibatch_info`` says what the scores are
    computed on (dataset, root, images, input shape, embedded fallback).
    """
    #: Name of the higher-is-better entry of :meth:`score`.
    score_name = 'score'
    #: Whether :meth:`combine` re-scores a population (see the class doc).
    population_relative = False
    #: Whether it scores on a minibatch (takes ``dataloader``,
    #: ``data_preprocessor`` and ``device``): see :func:`fill_minibatch`.
    takes_minibatch = False

    @abstractmethod
    def score(self,
              model: nn.Module,
              key: Optional[str] = None) -> Dict[str, float]:
        """Scores of one candidate, ``score_name`` higher-is-better."""

    def combine(self, results: Sequence[Dict[str, float]]) -> List[float]:
        """Scores of a population of :meth:`score` results (only for a
        ``population_relative`` estimator)."""
        raise NotImplementedError(
            f'{type(self).__name__} scores each candidate on its own.')

    @property
    @abstractmethod
    def minibatch_info(self) -> Dict[str, dict]:
        """Estimator (or member) name -> :func:`describe_minibatch`."""

    def term_weights(self) -> Optional[Dict[str, float]]:
        """Weights of the score's teacher-aware terms (their names are
        :meth:`score` entries), or None: after a search the report warns
        when one of them barely varies across the candidates."""
        return None

    def distill_overrides(self, base_model: dict) -> dict:
        """What a distillation config written after the search takes into
        its ``model`` from this estimator (a teacher, its losses); ``{}``
        when nothing."""
        return {}


def fill_minibatch(cfg: dict, **defaults) -> dict:
    """``cfg`` (an estimator config) with each of ``defaults``
    (``dataloader``, ``data_preprocessor``, ``device``) that is not None
    set where the estimator scores on a minibatch
    (:attr:`TrainingFreeEstimator.takes_minibatch`) and ``cfg`` sets none:
    one minibatch for a whole ensemble or rank table. A copy."""
    cfg = copy.deepcopy(dict(cfg))
    cls = get_in_scope(cfg.get('type'), TASK_UTILS)
    if isinstance(cls, type) and issubclass(
            cls, TrainingFreeEstimator) and cls.takes_minibatch:
        for key, value in defaults.items():
            if value is not None and cfg.get(key) is None:
                cfg[key] = copy.deepcopy(value)
    return cfg


class BaseTrainingFreeEstimator(BaseEstimator, TrainingFreeEstimator):
    """Base of the training-free estimators: ``score(model, key)`` returns a
    dict of floats whose ``score_name`` entry is higher-is-better.

    The minibatch is drawn once at construction (the same images on every
    rank); :meth:`init_candidate` re-initialises a candidate from (seed, key,
    repeat) so its score never depends on evaluation order or process.

    Args:
        init (str): ``'gaussian'`` or ``'default'`` init of candidates.
        dataloader (dict, optional): Dataloader config of the minibatch.
            Defaults to the embedded 20 CIFAR-100 images.
        data_preprocessor (dict, optional): Preprocessor config. Defaults to
            CIFAR-100 normalisation.
        seed (int): Seed of all initialisations. Defaults to 0.
        device (str, optional): Where to run. Defaults to CUDA if available.
    """
    takes_minibatch = True

    def __init__(self,
                 init: str = 'default',
                 dataloader: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 seed: int = 0,
                 device: Optional[str] = None):
        if init not in INIT_SCHEMES:
            raise ValueError(
                f'init supports {INIT_SCHEMES}, but got {init!r}.')
        self.init = init
        self.seed = seed
        self.device = torch.device(
            device or ('cuda' if torch.cuda.is_available() else 'cpu'))
        self.inputs, self.labels = (
            t.to(self.device)
            for t in load_minibatch(dataloader, data_preprocessor, seed))
        self._minibatch_info = describe_minibatch(dataloader, self.inputs)
        super().__init__(input_shape=tuple(self.inputs.shape))

    @property
    def minibatch_info(self) -> Dict[str, dict]:
        return {type(self).__name__: self._minibatch_info}

    def init_candidate(self,
                       model: nn.Module,
                       key: str,
                       repeat: int = 0) -> None:
        """Move ``model`` to the device (if it is elsewhere) and
        re-initialise it from (seed, key, repeat)."""
        if next(model.parameters()).device != self.device:
            model.to(self.device)  # a no-op .to() still walks every module
        random_init_(model, self.init, derive_seed(self.seed, key, repeat))

    def score(self,
              model: nn.Module,
              key: Optional[str] = None) -> Dict[str, float]:
        """Score a candidate (re-initialised in place).

        Args:
            model (nn.Module): A classifier, or an mmrazor algorithm with a
                subnet selected.
            key (str, optional): Identity of the candidate for its init.
                Defaults to :func:`candidate_key` of ``model``.

        Returns:
            dict: Floats; ``score_name`` is higher-is-better, ``-inf`` (with
            a warning) when not finite.
        """
        key = candidate_key(model) if key is None else key
        result = {
            k: float(v.detach() if torch.is_tensor(v) else v)
            for k, v in self._score(model, key).items()
        }
        if not math.isfinite(result[self.score_name]):
            warnings.warn(f'{type(self).__name__} score of candidate {key} '
                          f'is not finite ({result}); it is recorded as '
                          'infeasible (-inf).')
            result[self.score_name] = -math.inf
        return result

    @abstractmethod
    def _score(self, model: nn.Module, key: str) -> Dict[str, float]:
        """Initialise ``model`` for ``key`` and compute its scores."""

    def estimate(self, model: nn.Module, *args, **kwargs) -> Dict[str, float]:
        """mmrazor's estimator interface: the same as :meth:`score`."""
        return self.score(model)
