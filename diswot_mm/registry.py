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
from mmengine.registry import Registry
from mmrazor.registry import DATASETS as MMRAZOR_DATASETS
from mmrazor.registry import HOOKS as MMRAZOR_HOOKS
from mmrazor.registry import LOOPS as MMRAZOR_LOOPS
from mmrazor.registry import MODELS as MMRAZOR_MODELS
from mmrazor.registry import TASK_UTILS as MMRAZOR_TASK_UTILS
from mmrazor.registry import TRANSFORMS as MMRAZOR_TRANSFORMS

MODELS = Registry(
    'model', parent=MMRAZOR_MODELS, scope='diswot_mm',
    locations=['diswot_mm.models'])
TASK_UTILS = Registry(
    'task util', parent=MMRAZOR_TASK_UTILS, scope='diswot_mm',
    locations=['diswot_mm.models'])
LOOPS = Registry(
    'loop', parent=MMRAZOR_LOOPS, scope='diswot_mm',
    locations=['diswot_mm.engine'])
HOOKS = Registry(
    'hook', parent=MMRAZOR_HOOKS, scope='diswot_mm',
    locations=['diswot_mm.engine'])
DATASETS = Registry(
    'dataset', parent=MMRAZOR_DATASETS, scope='diswot_mm',
    locations=['diswot_mm.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMRAZOR_TRANSFORMS, scope='diswot_mm',
    locations=['diswot_mm.datasets'])
