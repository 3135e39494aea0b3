import os.path as osp
from typing import Dict, Optional, Union

import torch
from mmengine.model import BaseModel
from mmengine.runner.checkpoint import _load_checkpoint
from mmrazor.models import SingleTeacherDistill

from diswot_mm.registry import MODELS


@MODELS.register_module()
class StrictSingleTeacherDistill(SingleTeacherDistill):
    """mmrazor's ``SingleTeacherDistill`` that refuses a teacher checkpoint
    that does not fit the teacher, or distilling from no checkpoint at all.

    mmengine loads a mismatching checkpoint with only a warning, leaving a
    partly random teacher; here a missing file or any missing, unexpected or
    differently shaped key is a clear error before training starts.

    Args:
        require_teacher_ckpt (bool): Refuse ``teacher_ckpt=None`` (a random
            teacher). Defaults to True; tests and smoke runs turn it off.
        Others: those of ``SingleTeacherDistill``.
    """

    def __init__(self,
                 distiller: dict,
                 teacher: Union[BaseModel, Dict],
                 teacher_ckpt: Optional[str] = None,
                 require_teacher_ckpt: bool = True,
                 **kwargs) -> None:
        if isinstance(teacher, dict):
            teacher = MODELS.build(teacher)
        if teacher_ckpt:
            check_teacher_checkpoint(teacher, teacher_ckpt)
        elif require_teacher_ckpt:
            raise ValueError(
                'model.teacher_ckpt is not set: distillation needs a trained '
                'teacher. Train one (e.g. python tools/train.py configs/'
                'teachers/resnet110_cifar100.py) and pass --cfg-options '
                'model.teacher_ckpt=PATH.')
        super().__init__(distiller, teacher, teacher_ckpt, **kwargs)


def check_teacher_checkpoint(teacher: torch.nn.Module, path: str) -> None:
    """Raise if ``path`` is missing or its state dict does not fit."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'teacher_ckpt {path!r} does not exist. Train the teacher first '
            '(e.g. python tools/train.py configs/teachers/'
            'resnet110_cifar100.py) and pass its best checkpoint with '
            '--cfg-options model.teacher_ckpt=PATH.')
    checkpoint = _load_checkpoint(path, map_location='cpu')
    state = checkpoint.get('state_dict', checkpoint)
    state = {k[len('module.'):] if k.startswith('module.') else k: v
             for k, v in state.items()}
    expected = teacher.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    shapes = sorted(
        f'{k}: checkpoint {tuple(state[k].shape)} vs teacher '
        f'{tuple(v.shape)}' for k, v in expected.items()
        if k in state and tuple(state[k].shape) != tuple(v.shape))
    if missing or unexpected or shapes:
        def head(items):
            return ', '.join(items[:5]) + (
                f' (+{len(items) - 5} more)' if len(items) > 5 else '')
        raise ValueError(
            f'teacher_ckpt {path!r} is not a checkpoint of the configured '
            f'teacher: missing keys [{head(missing)}], unexpected keys '
            f'[{head(unexpected)}], shape mismatches [{head(shapes)}]. '
            'Check model.teacher against the config the checkpoint was '
            'trained with.')
