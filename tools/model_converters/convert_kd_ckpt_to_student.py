"""The student of a distillation checkpoint as a plain checkpoint (as
mmrazor's tool of the same name):

    python tools/model_converters/convert_kd_ckpt_to_student.py \\
        work_dirs/distill_diswot_plus/epoch_240.pth --out student.pth

The output (``{'state_dict': ..., 'meta': ...}``) loads with the search's
``student.py`` in ``tools/test.py`` and as ``load_from`` / a teacher
checkpoint elsewhere. The input is read by the checked reader.
"""
import argparse
import os.path as osp

import torch

import diswot_mm  # noqa: F401  (compat fixes)
from diswot_mm.utils.checkpoint import (STUDENT_PREFIX, load_checkpoint_file,
                                        state_dict_of)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Extract the student of a distillation checkpoint')
    parser.add_argument('checkpoint', help='distillation checkpoint')
    parser.add_argument('--out', required=True, help='student checkpoint')
    parser.add_argument(
        '--force', action='store_true', help='overwrite --out if it exists')
    return parser.parse_args()


def convert(path: str, out: str) -> int:
    """Write the student of ``path`` to ``out``; return its tensor count.

    Raises:
        ValueError: ``path`` holds no ``architecture.*`` weights (not a
            distillation checkpoint).
    """
    checkpoint = load_checkpoint_file(path, 'checkpoint')
    state = state_dict_of(checkpoint, path, 'checkpoint')
    student = {
        k[len(STUDENT_PREFIX):]: v
        for k, v in state.items() if k.startswith(STUDENT_PREFIX)
    }
    if not student:
        raise ValueError(
            f'checkpoint={path!r} holds no {STUDENT_PREFIX}* weights: it is '
            'not a distillation checkpoint (its keys start with '
            f'{sorted({k.split(".")[0] for k in state})[:5]}).')
    meta = dict(checkpoint.get('meta') or {}) if isinstance(checkpoint,
                                                            dict) else {}
    meta['converted_from'] = osp.abspath(path)
    torch.save(dict(state_dict=student, meta=meta), out)
    return len(student)


def main():
    args = parse_args()
    if osp.exists(args.out) and not args.force:
        raise SystemExit(f'--out {args.out!r} exists: give another path or '
                         '--force to replace it.')
    count = convert(args.checkpoint, args.out)
    print(f'{count} student tensors of {args.checkpoint} written to '
          f'{args.out}')


if __name__ == '__main__':
    main()
