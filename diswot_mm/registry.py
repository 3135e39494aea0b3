"""diswot_mm's registries: children of mmrazor's, scope ``diswot_mm``.

With ``default_scope='diswot_mm'`` an unscoped ``type`` is looked up here,
then in mmrazor, then in mmengine; mmpretrain components are named with the
``mmpretrain.`` prefix (``type='mmpretrain.ImageClassifier'``). Do not put
``_scope_='mmpretrain'`` on a dict that contains diswot_mm components: mmengine
resolves ``diswot_mm.X`` only from this scope, because a scope prefix is only
looked up among the root's direct children (mmpretrain, mmrazor). For the same
reason give mmpretrain classifiers their data preprocessor and loss types
explicitly (their unscoped defaults would resolve in mmrazor).
"""
from typing import Any

from mmengine.registry import DefaultScope, Registry
from mmrazor import registry as mmrazor_registry


def _child(name: str, parent: Registry, location: str = None) -> Registry:
    return Registry(
        name,
        parent=parent,
        scope='diswot_mm',
        locations=[location] if location else [])


RUNNERS = _child('runner', mmrazor_registry.RUNNERS)
RUNNER_CONSTRUCTORS = _child('runner constructor',
                             mmrazor_registry.RUNNER_CONSTRUCTORS)
LOOPS = _child('loop', mmrazor_registry.LOOPS, 'diswot_mm.engine')
HOOKS = _child('hook', mmrazor_registry.HOOKS, 'diswot_mm.engine')
DATASETS = _child('dataset', mmrazor_registry.DATASETS, 'diswot_mm.datasets')
DATA_SAMPLERS = _child('data sampler', mmrazor_registry.DATA_SAMPLERS)
TRANSFORMS = _child('transform', mmrazor_registry.TRANSFORMS,
                    'diswot_mm.datasets')
MODELS = _child('model', mmrazor_registry.MODELS, 'diswot_mm.models')
MODEL_WRAPPERS = _child('model_wrapper', mmrazor_registry.MODEL_WRAPPERS)
WEIGHT_INITIALIZERS = _child('weight initializer',
                             mmrazor_registry.WEIGHT_INITIALIZERS)
OPTIMIZERS = _child('optimizer', mmrazor_registry.OPTIMIZERS)
OPTIM_WRAPPERS = _child('optim_wrapper', mmrazor_registry.OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = _child(
    'optimizer wrapper constructor',
    mmrazor_registry.OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = _child('parameter scheduler',
                          mmrazor_registry.PARAM_SCHEDULERS)
METRICS = _child('metric', mmrazor_registry.METRICS)
TASK_UTILS = _child('task util', mmrazor_registry.TASK_UTILS,
                    'diswot_mm.models')
VISUALIZERS = _child('visualizer', mmrazor_registry.VISUALIZERS)
VISBACKENDS = _child('vis_backend', mmrazor_registry.VISBACKENDS)


def build_in_scope(cfg: dict, registry: Registry = MODELS) -> Any:
    """Build ``cfg`` from ``registry`` (default: :data:`MODELS`) with
    ``diswot_mm`` as the default scope, whatever the caller's: an unprefixed
    type resolves in diswot_mm, then mmrazor, then mmengine. (A model given
    as a config path, a scoped path or a zoo dict:
    :func:`diswot_mm.models.builder.build_model`.)"""
    with DefaultScope.overwrite_default_scope('diswot_mm'):
        return registry.build(cfg)


def get_in_scope(name: str, registry: Registry = MODELS) -> Any:
    """The class (or function) ``name`` refers to in ``registry`` with
    ``diswot_mm`` as the default scope, as :func:`build_in_scope` would
    resolve it; None when it is not registered."""
    with DefaultScope.overwrite_default_scope('diswot_mm'):
        return registry.get(name)
