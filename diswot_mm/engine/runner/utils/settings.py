"""The settings of a training-free evolution search (``train_cfg`` less
``type`` and ``estimator``), checked once, and the part of them a resumed
search state must have been written with."""
import dataclasses
import json
from typing import Any, Dict, Optional

#: The resource estimator of a search that configures none.
DEFAULT_RESOURCE_ESTIMATOR = dict(
    type='ActivePathResourceEstimator', input_shape=(1, 3, 32, 32))

#: Settings that change which candidates a search scores (the state's
#: config); the others (length, resuming, fallback data) do not.
SEARCH_RELEVANT = ('score_key', 'num_candidates', 'top_k', 'num_mutation',
                   'num_crossover', 'mutate_prob', 'crossover_prob',
                   'constraints_range', 'resource_estimator',
                   'max_sample_tries', 'seed')


@dataclasses.dataclass
class SearchSettings:
    """Settings of :class:`TrainingFreeSearchLoop`.

    Args:
        score_key (str): Key of the estimator's score to maximise.
        max_epochs (int): Generations.
        num_candidates (int): Population of each generation.
        top_k (int): Parents kept.
        num_mutation (int): Children by mutation per generation.
        num_crossover (int): Children by crossover; when ``num_mutation +
            num_crossover`` exceeds ``num_candidates`` both are scaled
            down when a generation breeds (said in the log).
        mutate_prob (float): Per-choice mutation probability.
        crossover_prob (float): Per-choice probability of taking the
            second parent's choice.
        constraints_range (dict): Allowed ``flops`` / ``params`` (M) /
            ``latency`` (ms) as ``(min, max)``; None: ``params=(0, 1e9)``.
        resource_estimator (dict): Config of the resource estimator; None:
            :data:`DEFAULT_RESOURCE_ESTIMATOR` (mmrazor's numbers at the
            cost of a batch-1 forward on (1, 3, 32, 32)).
        max_sample_tries (int): Random draws tried per new candidate
            before the space counts as exhausted.
        seed (int): Seed of the search RNG.
        max_keep_ckpts (int): Search states of this config kept.
        resume_from (str, optional): A ``search_epoch_N.json`` to resume
            from, or ``'auto'``: the newest valid one of the work_dir.
        sample_fallback (dict, optional): ``dict(data_root=ROOT,
            dataloader=None)``: when the estimator's data set at ``ROOT``
            is missing, score on ``dataloader`` (default: the 20 CIFAR-100
            test images embedded in diswot_mm), loudly. Without it (or for
            any other root) missing data is an error.

    Raises:
        ValueError: a count below its minimum, a probability outside
            [0, 1] or a constraint that is not ``(min, max)``, naming the
            ``train_cfg`` key.
    """
    score_key: str = 'diswot'
    max_epochs: int = 20
    num_candidates: int = 50
    top_k: int = 10
    num_mutation: int = 25
    num_crossover: int = 25
    mutate_prob: float = 0.1
    crossover_prob: float = 0.5
    constraints_range: Optional[Dict[str, Any]] = None
    resource_estimator: Optional[dict] = None
    max_sample_tries: int = 200
    seed: int = 0
    max_keep_ckpts: int = 3
    resume_from: Optional[str] = None
    sample_fallback: Optional[dict] = None

    def __post_init__(self) -> None:
        for name in ('num_candidates', 'top_k', 'max_epochs'):
            if getattr(self, name) < 1:
                raise ValueError(f'train_cfg.{name} must be >= 1, got '
                                 f'{getattr(self, name)}.')
        for name in ('num_mutation', 'num_crossover'):
            if getattr(self, name) < 0:
                raise ValueError(f'train_cfg.{name} must be >= 0, got '
                                 f'{getattr(self, name)}.')
        for name in ('mutate_prob', 'crossover_prob'):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f'train_cfg.{name} is a probability, got '
                                 f'{getattr(self, name)}.')
        self.constraints_range = dict(
            self.constraints_range or dict(params=(0, 1e9)))
        for key, bounds in self.constraints_range.items():
            if not (isinstance(bounds, (list, tuple)) and len(bounds) == 2
                    and bounds[0] <= bounds[1]):
                raise ValueError(f'train_cfg.constraints_range.{key} must be '
                                 f'(min, max) with min <= max, got {bounds}.')
        self.resource_estimator = (
            self.resource_estimator or DEFAULT_RESOURCE_ESTIMATOR)

    @classmethod
    def from_train_cfg(cls, train_cfg: Dict[str, Any]) -> 'SearchSettings':
        """The settings of a ``train_cfg`` (its ``type``, ``estimator``
        and the Runner's ``runner`` / ``dataloader`` left out).

        Raises:
            TypeError: a key that is no setting, listing the settings.
        """
        names = [f.name for f in dataclasses.fields(cls)]
        given = {
            k: v
            for k, v in train_cfg.items()
            if k not in ('type', 'estimator', 'runner', 'dataloader')
        }
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise TypeError(f'train_cfg has no setting {unknown}; '
                            f'TrainingFreeSearchLoop takes {names} and '
                            'estimator.')
        return cls(**given)

    def search_config(self, model: Optional[dict], estimator: dict) -> dict:
        """What a resumed state must have been written with: the supernet,
        the estimator (after the sample fallback) and the search-relevant
        settings, as canonical JSON values."""
        return json.loads(
            json.dumps(
                dict(
                    model=model,
                    estimator=estimator,
                    **{k: getattr(self, k)
                       for k in SEARCH_RELEVANT}),
                sort_keys=True,
                default=str))


def no_feasible_message(constraints_range: Dict[str, Any], smallest: dict,
                        largest: dict) -> str:
    """Why no candidate is feasible: the resources of the space's smallest
    and largest subnets next to ``constraints_range``."""
    return (f'no candidate satisfies constraints_range={constraints_range}: '
            f'the smallest subnet has flops={smallest["flops"]:.3f} M, '
            f'params={smallest["params"]:.4f} M and the largest flops='
            f'{largest["flops"]:.3f} M, params={largest["params"]:.4f} M' +
            (f'; latency {smallest["latency"]:.3f} ms (smallest) and '
             f'{largest["latency"]:.3f} ms (largest)'
             if 'latency' in smallest else '') + '. Widen the range.')


def resolution_warning(counted_shape, minibatch: Dict[str, dict]) -> str:
    """A warning when candidates are scored at another (H, W) than their
    FLOPs are counted at ('' when not)."""
    counted = tuple(counted_shape[-2:])
    scored = sorted({tuple(m['input_shape'][-2:])
                     for m in minibatch.values()} - {counted})
    if not scored:
        return ''
    return (f'FLOPs are counted at {counted} (train_cfg.resource_estimator.'
            f'input_shape) but candidates are scored at {scored} (H, W): the '
            'constraints and candidates.csv use the former. To count at the '
            'scored size, set train_cfg.resource_estimator.input_shape=(1, '
            '3, H, W).')
