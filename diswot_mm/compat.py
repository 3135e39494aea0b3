"""Compatibility fixes for the pinned OpenMMLab stack.

mmrazor 1.0.0 and mmengine 0.10.7 were written for torch 1.x, numpy 1.x and
the pre-rename ``mmcls``. On the stack pinned in ``requirements/cpu.txt``
(torch 2.13, torchvision 0.28, mmpretrain 1.2.0, numpy 2) importing,
launching or resuming breaks in the ways listed below. Each fix is applied
where it is needed, by :func:`apply`:

- the :data:`IMPORT_FIXES`, without which importing mmpretrain or mmrazor
  fails (or builds placeholders), by ``import diswot_mm``, before anything
  imports mmpretrain or mmrazor;
- the :data:`TOOL_FIXES` (distributed launch on the CPU, resume, config
  printing) by the tools' shared entry point
  (:func:`diswot_mm.apis.cli.load_config`); ``checkpoint_safe_globals`` also
  by the checkpoint reader (:mod:`diswot_mm.utils.checkpoint`). A script
  that builds its own mmengine Runner calls ``compat.apply(TOOL_FIXES)``.

Each fix has a version guard (:data:`GUARDS`: the installed versions it
was written for; outside them it is not applied, and
``tests/test_compat.py`` fails for a pin that leaves a guard) and then
checks whether the installed stack needs it; the names of the fixes that
were applied are kept in :data:`APPLIED`. mmrazor's ``ResourceEstimator``
ignoring its ``input_shape`` is not patched here: the registered subclass
``ActivePathResourceEstimator``, which every search and proxy uses, passes
it on.

Fixes:

``torchvision_ops``
    PyPI torchvision next to a CPU-only torch build: ``import torchvision``
    dies with ``operator torchvision::nms does not exist`` because its
    compiled ops are missing. mmpretrain imports torchvision but uses only
    pure-Python parts, so the two op schemas that torchvision registers fake
    kernels for at import are defined (with no kernel):
    :func:`diswot_mm_torchvision_ops.define_missing_ops`, which torch also
    calls at ``import torch`` through the ``torch.backends`` entry point of
    ``setup.py``, so that importing mmpretrain before diswot_mm works too.
``fuser_reverse``
    torch >= 2.0 made ``reverse2``, ``reverse3`` and
    ``reverse_sequential_wrapper2`` private; mmrazor's quantization package
    imports them by their public names. They are re-exported.
``quant_backend_configs``
    mmrazor builds quantization BackendConfigs at import time with a removed
    torch API (``BackendPatternConfig._set_overwrite_output_fake_quantize``).
    The mapping module is pre-seeded with the value mmrazor itself uses for
    old torch (every backend ``None``): mmrazor quantization is off, NAS,
    pruning and distillation are untouched.
``mmcls_alias``
    mmrazor 1.0.0 imports ``mmcls.*`` (renamed mmpretrain) and silently
    falls back to placeholders that crash when built. ``mmcls.X`` is aliased
    to ``mmpretrain.X`` (plus the renamed ``ClsDataSample`` and
    ``PackClsInputs``) through an import hook that creates proxy modules, so
    mmpretrain's own modules are not modified.
``cpu_dist_launch``
    mmengine 0.10.7 cannot run distributed on a CPU-only torch: its pytorch
    and slurm launchers (``init_dist('pytorch' | 'slurm')``, used by
    ``tools/dist_*.sh`` and ``tools/slurm_*.sh``) call
    ``torch.cuda.set_device`` (AttributeError), and the Runner wraps the
    model in DDP with ``device_ids=[LOCAL_RANK]``, which DDP rejects for CPU
    modules. Where CUDA is unavailable the launchers skip ``set_device``
    (the slurm one otherwise unchanged: ranks, master address and port from
    the SLURM_* variables) and ``MMDistributedDataParallel`` drops
    ``device_ids`` (gloo on CPU); with CUDA nothing changes.
``checkpoint_safe_globals``
    torch >= 2.6 ``torch.load`` defaults to ``weights_only=True``, and
    mmengine 0.10.7 checkpoints pickle its ``HistoryBuffer`` and numpy
    arrays/scalars in the message hub: resume and ``load_from`` fail with an
    UnpicklingError. Exactly those classes are allow-listed with
    ``torch.serialization.add_safe_globals`` (no process-wide switch).
``mmcv_lite_warning``
    mmcv-lite (mmcv without compiled ops) warns "Fail to import
    ``MultiScaleDeformableAttention``" whenever mmpretrain imports
    ``mmcv.cnn``: every command started with it. Where ``mmcv._ext`` is
    absent, exactly that message from ``mmcv.cnn.bricks.transformer`` is
    filtered; every other warning still shows.
``config_format_cache``
    mmengine 0.10.7 formats the whole config with yapf each time its text
    is shown (``Config.pretty_text``): a Runner does it four times at start
    (its log, two dumps, the runtime-info hook), about 0.5 s each on the
    2-core dev machine, for every ``tools/*.py`` run. yapf's formatting of
    the same text with the same style is memoised (the last 16 texts), so
    each config is formatted once; the text is unchanged.

Not fixed here, because they are version pins or conventions, not patches:
mmcv-lite 2.1.0 satisfies both mmrazor's and mmpretrain's mmcv ranges;
registry scopes are set in configs (``mmpretrain.`` prefixes); numpy 2
scalar reprs
(``np.str_('x')``) never reach mmrazor's ``Candidates`` because the search
loop keys candidates by native Python values.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from typing import Dict, List, Optional, Sequence

APPLIED: List[str] = []

_QUANT_MAPPING = 'mmrazor.structures.quantization.backend_config.mapping'

# Renamed classes in mmpretrain: old mmcls name -> new name, per module.
_MMCLS_RENAMES = {
    'mmcls.structures': {
        'ClsDataSample': 'DataSample'
    },
    'mmcls.datasets.transforms': {
        'PackClsInputs': 'PackInputs'
    },
    'mmcls.datasets.transforms.formatting': {
        'PackClsInputs': 'PackInputs'
    },
}


def _fix_torchvision_ops() -> bool:
    import diswot_mm_torchvision_ops as ops
    if not ops.define_missing_ops():
        return False
    if 'torchvision' not in sys.modules:  # a failed import leaves submodules
        for name in [m for m in sys.modules if m.startswith('torchvision.')]:
            del sys.modules[name]
    return True


def _fix_fuser_reverse() -> bool:
    from torch.ao.quantization import fuser_method_mappings as fmm
    if hasattr(fmm, 'reverse2'):
        return False

    def reverse_sequential_wrapper2(sequential):
        return fmm._reverse2(fmm._sequential_wrapper2(sequential))

    fmm.reverse2 = fmm._reverse2
    fmm.reverse3 = fmm._reverse3
    fmm.reverse_sequential_wrapper2 = reverse_sequential_wrapper2
    return True


def _fix_quant_backend_configs() -> bool:
    from torch.ao.quantization.backend_config import BackendPatternConfig
    if (hasattr(BackendPatternConfig, '_set_overwrite_output_fake_quantize')
            or _QUANT_MAPPING in sys.modules):
        return False
    mapping = types.ModuleType(_QUANT_MAPPING)
    mapping.__doc__ = 'Pre-seeded by diswot_mm.compat: quantization off.'
    mapping.BackendConfigs = dict.fromkeys(
        ('academic', 'native', 'tensorrt', 'openvino'))
    sys.modules[_QUANT_MAPPING] = mapping
    return True


class _MmclsAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import ``mmcls.X`` as a proxy of ``mmpretrain.X``."""

    def find_spec(self,
                  fullname: str,
                  path: Optional[Sequence[str]] = None,
                  target: Optional[types.ModuleType] = None):
        if fullname != 'mmcls' and not fullname.startswith('mmcls.'):
            return None
        target_name = 'mmpretrain' + fullname[len('mmcls'):]
        if importlib.util.find_spec(target_name) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        target = importlib.import_module('mmpretrain' +
                                         module.__name__[len('mmcls'):])
        renames = _MMCLS_RENAMES.get(module.__name__, {})

        def __getattr__(name):
            return getattr(target, renames.get(name, name))

        module.__getattr__ = __getattr__
        module.__path__ = []
        module.__doc__ = f'diswot_mm.compat alias of {target.__name__}'


def _fix_mmcls_alias() -> bool:
    if (any(isinstance(f, _MmclsAliasFinder) for f in sys.meta_path)
            or importlib.util.find_spec('mmcls') is not None
            or importlib.util.find_spec('mmpretrain') is None):
        return False
    sys.meta_path.append(_MmclsAliasFinder())
    return True


def _fix_cpu_dist_launch() -> bool:
    import torch
    from mmengine.dist import utils as dist_utils
    if torch.cuda.is_available() or getattr(dist_utils._init_dist_pytorch,
                                            '_diswot_compat', False):
        return False

    def _init_dist_pytorch(backend, init_backend='torch', **kwargs) -> None:
        if init_backend != 'torch':
            raise ValueError(f'init_backend={init_backend!r} needs CUDA; '
                             'on the CPU only "torch" (gloo) works.')
        torch.distributed.init_process_group(backend=backend, **kwargs)

    _init_dist_pytorch._diswot_compat = True
    dist_utils._init_dist_pytorch = _init_dist_pytorch

    slurm_init = dist_utils._init_dist_slurm

    def _init_dist_slurm(backend, *args, **kwargs) -> None:
        from unittest import mock
        with mock.patch.object(torch.cuda, 'set_device', lambda device: None):
            slurm_init(backend, *args, **kwargs)

    dist_utils._init_dist_slurm = _init_dist_slurm

    from mmengine.model import MMDistributedDataParallel
    ddp_init = MMDistributedDataParallel.__init__

    def __init__(self, module, detect_anomalous_params=False, **kwargs):
        kwargs.pop('device_ids', None)
        ddp_init(self, module, detect_anomalous_params, **kwargs)

    MMDistributedDataParallel.__init__ = __init__
    return True


def checkpoint_safe_globals() -> list:
    """What mmengine 0.10.7 pickles into a checkpoint's message hub.

    ``HistoryBuffer`` (which pickles its statistics methods as
    ``getattr(HistoryBuffer, 'mean')``, hence ``getattr``; the unpickler
    still refuses to call anything not listed), numpy arrays and scalars.
    """
    import numpy as np
    from mmengine.logging.history_buffer import HistoryBuffer
    multiarray = (np._core if hasattr(np, '_core') else np.core).multiarray
    scalar_types = sorted(set(np.sctypeDict.values()), key=str)
    dtype_classes = sorted({type(np.dtype(t)) for t in scalar_types}, key=str)
    return [
        HistoryBuffer, getattr, np.ndarray, np.dtype, multiarray._reconstruct,
        multiarray.scalar, *dtype_classes, *scalar_types
    ]


def _fix_checkpoint_safe_globals() -> bool:
    import torch.serialization as ts
    if not hasattr(ts, 'add_safe_globals'):
        return False
    ts.add_safe_globals(checkpoint_safe_globals())
    return True


def _fix_mmcv_lite_warning() -> bool:
    if importlib.util.find_spec('mmcv') is None or \
            importlib.util.find_spec('mmcv._ext') is not None:
        return False
    import warnings
    warnings.filterwarnings(
        'ignore',
        message='Fail to import ``MultiScaleDeformableAttention``',
        category=UserWarning,
        module='mmcv.cnn.bricks.transformer')
    return True


def _fix_config_format_cache() -> bool:
    import functools

    import mmengine.config.config as config_module
    if getattr(config_module.FormatCode, '_diswot_compat', False):
        return False
    format_code = config_module.FormatCode

    @functools.lru_cache(maxsize=16)
    def cached(text: str, style: Optional[tuple], verify: Optional[bool]):
        kwargs = {} if verify is None else dict(verify=verify)
        return format_code(
            text,
            style_config=None if style is None else dict(style),
            **kwargs)

    @functools.wraps(format_code)
    def FormatCode(text, style_config=None, verify=None):  # noqa: N802
        style = (None if style_config is None else tuple(
            sorted(style_config.items())))
        return cached(text, style, verify)

    FormatCode.cache_info = cached.cache_info
    FormatCode._diswot_compat = True
    config_module.FormatCode = FormatCode
    return True


#: The fixes ``import diswot_mm`` applies, in order (the warning filter
#: before anything imports mmcv).
IMPORT_FIXES = ('mmcv_lite_warning', 'torchvision_ops', 'fuser_reverse',
                'quant_backend_configs', 'mmcls_alias')
#: The fixes the tools apply (:func:`diswot_mm.apis.cli.load_config`).
TOOL_FIXES = ('cpu_dist_launch', 'checkpoint_safe_globals',
              'config_format_cache')
#: Fix -> the installed versions it was written for (pip specifiers).
GUARDS: Dict[str, Dict[str, str]] = {
    'mmcv_lite_warning': {
        'mmcv-lite': '>=2.0.0rc1,<2.2'
    },
    'torchvision_ops': {
        'torch': '>=2.0'
    },
    'fuser_reverse': {
        'torch': '>=2.0',
        'mmrazor': '<=1.0.0'
    },
    'quant_backend_configs': {
        'torch': '>=2.0',
        'mmrazor': '<=1.0.0'
    },
    'mmcls_alias': {
        'mmrazor': '<=1.0.0'
    },
    'cpu_dist_launch': {
        'mmengine': '<0.11'
    },
    'checkpoint_safe_globals': {
        'torch': '>=2.6',
        'mmengine': '<0.11'
    },
    'config_format_cache': {
        'mmengine': '<0.11'
    },
}
_FIXES = {
    'mmcv_lite_warning': _fix_mmcv_lite_warning,
    'torchvision_ops': _fix_torchvision_ops,
    'fuser_reverse': _fix_fuser_reverse,
    'quant_backend_configs': _fix_quant_backend_configs,
    'mmcls_alias': _fix_mmcls_alias,
    'cpu_dist_launch': _fix_cpu_dist_launch,
    'checkpoint_safe_globals': _fix_checkpoint_safe_globals,
    'config_format_cache': _fix_config_format_cache,
}


def guard_holds(name: str) -> bool:
    """Whether every package of fix ``name``'s :data:`GUARDS` entry is
    installed in a version it was written for."""
    from importlib.metadata import PackageNotFoundError, version

    from packaging.specifiers import SpecifierSet
    for package, spec in GUARDS[name].items():
        try:
            installed = version(package)
        except PackageNotFoundError:
            return False
        if not SpecifierSet(spec, prereleases=True).contains(installed):
            return False
    return True


def apply(names: Sequence[str] = IMPORT_FIXES) -> List[str]:
    """Apply each fix of ``names`` (default :data:`IMPORT_FIXES`) whose
    guard holds and that the installed stack needs; return the names of all
    the fixes applied so far (:data:`APPLIED`).

    Raises:
        KeyError: a name that is no fix.
    """
    unknown = [name for name in names if name not in _FIXES]
    if unknown:
        raise KeyError(f'no compat fix {unknown}; the fixes: {list(_FIXES)}')
    for name in names:
        if name not in APPLIED and guard_holds(name) and _FIXES[name]():
            APPLIED.append(name)
    return list(APPLIED)
