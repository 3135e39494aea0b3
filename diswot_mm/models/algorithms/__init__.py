from .strict_single_teacher_distill import (
                                            StrictSingleTeacherDistill,
                                            check_teacher_checkpoint,
)

__all__ = ['StrictSingleTeacherDistill', 'check_teacher_checkpoint']
