"""Reading a teacher checkpoint with errors that say what is wrong: a
missing file, a file that is not a checkpoint (or a truncated one), or one
that does not fit the configured teacher."""
import os.path as osp
from typing import Dict

import torch
from mmengine.runner.checkpoint import _load_checkpoint


def read_teacher_state(teacher: torch.nn.Module, path: str,
                       config_key: str) -> Dict[str, torch.Tensor]:
    """The state dict of the checkpoint ``path``, checked against
    ``teacher``.

    Args:
        teacher (nn.Module): The configured teacher.
        path (str): The checkpoint (an mmengine/PyTorch ``.pth``).
        config_key (str): Where the path came from, for the messages (e.g.
            ``'model.teacher_ckpt'``).

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a readable checkpoint (another kind of file, or a
            truncated copy), or missing / unexpected / misshaped keys.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{config_key}={path!r} does not exist. Train the teacher first '
            '(e.g. python tools/train.py configs/teachers/'
            f'resnet110_cifar100.py) and set {config_key} to its checkpoint '
            '(--cfg-options).')
    try:
        checkpoint = _load_checkpoint(path, map_location='cpu')
    except Exception as err:  # the loaders raise many kinds for bad files
        with open(path, 'rb') as f:
            head = f.read(16)
        raise ValueError(
            f'{config_key}={path!r} is not a readable PyTorch checkpoint '
            f'({osp.getsize(path)} bytes starting with {head!r}; the loader '
            f'failed with {type(err).__name__}). It may be truncated (an '
            'interrupted copy or download) or another kind of file: give '
            'the .pth written by tools/train.py.') from None
    state = checkpoint.get('state_dict', checkpoint) if isinstance(
        checkpoint, dict) else None
    if not isinstance(state, dict) or not all(
            isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f'{config_key}={path!r} holds no state dict of '
                         'tensors: give the .pth written by tools/train.py.')
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
            f'{config_key}={path!r} is not a checkpoint of the configured '
            f'teacher: missing keys [{head(missing)}], unexpected keys '
            f'[{head(unexpected)}], shape mismatches [{head(shapes)}]. '
            'Check the teacher config against the one the checkpoint was '
            'trained with.')
    return state
