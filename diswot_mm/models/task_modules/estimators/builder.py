"""Building a search's estimators from config, with errors that say what
to set."""
import copy
import inspect
from typing import Any, Dict, Optional, Set

from diswot_mm.registry import TASK_UTILS
from .active_path_resource_estimator import (ActivePathResourceEstimator,
                                             check_constraints)
from .base_training_free import TrainingFreeEstimator


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
    takes = settings_of(cls)
    unknown = [] if takes is None else sorted(
        set(cfg) - takes - {'type', '_scope_'})
    if unknown:
        hint = ''.join(
            f' Set it on a member instead, e.g. '
            f'train_cfg.estimator.estimators.{name}.{unknown[0]}'
            for name in list(cfg.get('estimators', {}))[:1]) or (
                ' If it comes from a base config\'s estimator, replace '
                'that estimator whole: dict(_delete_=True, type=...).')
        raise KeyError(f'{cls.__name__} has no setting {unknown}; it takes '
                       f'{sorted(takes)}.{hint}')
    return TASK_UTILS.build(copy.deepcopy(cfg))


def settings_of(cls: type) -> Optional[Set[str]]:
    """The keyword arguments ``cls(...)`` takes: its ``__init__``'s and,
    where that passes ``**kwargs`` on, its bases' up to one without; None
    when every one takes ``**kwargs`` (anything goes)."""
    names: Set[str] = set()
    for klass in cls.__mro__:
        if '__init__' not in vars(klass):
            continue
        params = inspect.signature(klass.__init__).parameters.values()
        names |= {
            p.name
            for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD,
                                          p.KEYWORD_ONLY) and p.name != 'self'
        }
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            return names
    return None


def build_resource_estimator(
        cfg: dict,
        constraints_range: Dict[str, Any]) -> ActivePathResourceEstimator:
    """Build the search's resource estimator: an
    :class:`ActivePathResourceEstimator` (or a subclass), whose
    ``check_subnet`` gives mmrazor's FLOPs / params of a candidate in one
    forward of the supernet, and which can check ``constraints_range``.

    Raises:
        TypeError: another type (e.g. ``mmrazor.ResourceEstimator``),
            saying what to write instead.
        KeyError: a constraint it cannot check (:func:`check_constraints`).
    """
    estimator = TASK_UTILS.build(copy.deepcopy(cfg))
    if not isinstance(estimator, ActivePathResourceEstimator):
        raise TypeError(
            f'train_cfg.resource_estimator: the search checks candidates '
            f'with an ActivePathResourceEstimator (mmrazor\'s counters and '
            f'numbers, counted on the path the candidate runs), got '
            f'{type(estimator).__name__}. Write type='
            '"ActivePathResourceEstimator" (it takes mmrazor\'s '
            'ResourceEstimator settings: input_shape, units, '
            'flops_params_cfg).')
    check_constraints(estimator, constraints_range)
    return estimator
