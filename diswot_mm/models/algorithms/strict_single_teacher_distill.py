from typing import Dict, Optional, Union

from mmengine.model import BaseModel
from mmrazor.models import SingleTeacherDistill

from diswot_mm.models.builder import build_model
from diswot_mm.registry import MODELS
from diswot_mm.utils.checkpoint import read_model_state


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
        teacher (dict | str | nn.Module): As the DisWOT estimator's (a
            model dict, a config path or scoped path, mmrazor's cfg_path
            dict, a module): :func:`diswot_mm.models.builder.build_model`.
        Others: those of ``SingleTeacherDistill``.
    """

    def __init__(self,
                 distiller: dict,
                 teacher: Union[BaseModel, Dict, str],
                 teacher_ckpt: Optional[str] = None,
                 require_teacher_ckpt: bool = True,
                 **kwargs) -> None:
        teacher = build_model(teacher, config_key='model.teacher')
        state = None
        if teacher_ckpt:
            state = read_model_state(teacher, teacher_ckpt,
                                     'model.teacher_ckpt')
        elif require_teacher_ckpt:
            raise ValueError(
                'model.teacher_ckpt is not set: distillation needs a trained '
                'teacher. Train one (e.g. python tools/train.py configs/'
                'teachers/resnet110_cifar100.py) and pass --cfg-options '
                'model.teacher_ckpt=PATH.')
        # the checked state is loaded here instead of mmrazor reading the
        # file a second time
        super().__init__(distiller, teacher, None, **kwargs)
        if state is not None:
            self.teacher.load_state_dict(state)
            self.teacher._is_init = True  # as mmrazor: init_weights keeps it
