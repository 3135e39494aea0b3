"""diswot_mm: DisWOT training-free student search and distillation on
OpenMMLab (mmengine, mmpretrain, mmrazor)."""
from . import compat

compat.apply()  # before anything imports mmpretrain or mmrazor

from .utils import register_all_modules  # noqa: E402

__version__ = '0.1.0'

register_all_modules(init_default_scope=False)

__all__ = ['__version__', 'register_all_modules']
