from .strict_single_teacher_distill import StrictSingleTeacherDistill

__all__ = ['StrictSingleTeacherDistill']
