"""Lets ``import torchvision`` work next to a CPU-only torch, whatever is
imported first.

PyPI's torchvision wheels are CUDA builds: next to the CPU torch of
``requirements/cpu.txt`` their compiled ops (``torchvision/_C.so``, linked
against ``libtorch_cuda.so``) cannot load, and ``import torchvision`` dies
with ``operator torchvision::nms does not exist`` when it registers fake
kernels for ``nms``/``qnms``. No CPU torchvision build is on PyPI (it is
only on download.pytorch.org). mmpretrain and mmrazor use only
torchvision's pure-Python parts, so defining the two op schemas (no kernel)
is enough.

This is a top-level module, not part of ``diswot_mm``, because torch calls
:func:`define_missing_ops` through its ``torch.backends`` entry point (see
``setup.py``) at the end of every ``import torch`` in an environment where
diswot_mm is installed: loading it must not import the OpenMMLab stack.
Set ``TORCH_DEVICE_BACKEND_AUTOLOAD=0`` to switch torch's entry points off;
``import diswot_mm`` still applies the fix (``diswot_mm.compat``).
"""
import importlib.util
import os.path as osp

# Keeps the schema definitions alive: a ``torch.library.Library`` removes its
# definitions when garbage collected.
_LIBRARY = None


def define_missing_ops() -> bool:
    """Define ``torchvision::nms`` and ``torchvision::qnms`` when the
    installed torchvision's compiled ops cannot load; return whether this
    module defines them (now or at an earlier call).

    A no-op where torchvision is absent, its ops load, or the schemas are
    already defined.
    """
    global _LIBRARY
    if _LIBRARY is not None:
        return True
    import torch
    spec = importlib.util.find_spec('torchvision')
    if spec is None or spec.origin is None or _has_schema(torch):
        return False
    compiled = osp.join(osp.dirname(spec.origin), '_C.so')
    try:
        torch.ops.load_library(compiled)
        return False  # torchvision's own ops: nothing to do
    except OSError:  # absent, or built against CUDA libraries
        pass
    _LIBRARY = torch.library.Library('torchvision', 'DEF')
    for op in ('nms', 'qnms'):
        _LIBRARY.define(
            f'{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor')
    return True


def _has_schema(torch) -> bool:
    try:
        torch._C._get_schema('torchvision::nms', '')
        return True
    except RuntimeError:
        return False
