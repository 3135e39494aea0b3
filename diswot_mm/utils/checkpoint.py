"""The one checked reader of model weights: teachers, ``tools/test.py``,
``load_from`` / ``--resume`` of training and the checkpoint converter.

It reads what OpenMMLab and the KD codebases write (mmengine's
``{'state_dict': ...}``, a bare state dict, ``{'model': ...}``, a
distillation checkpoint whose student is under ``architecture.``), by local
path or URL, and matches it to the model key by key. Everything else is one
error naming the file, what it holds and what was expected; torch's own
unpickling advice (``weights_only=False``) never reaches the user.
"""
import os.path as osp
from typing import Dict, Optional, Tuple

import torch
from mmengine.runner.checkpoint import _load_checkpoint

from diswot_mm import compat

#: Where a state dict sits in the checkpoint formats read here, in order.
STATE_DICT_KEYS = ('state_dict', 'model')
#: Prefixes of a distillation checkpoint (mmrazor's SingleTeacherDistill):
#: the student and the teacher.
STUDENT_PREFIX, TEACHER_PREFIX = 'architecture.', 'teacher.'


def is_url(path: str) -> bool:
    return path.startswith(('http://', 'https://'))


def load_checkpoint_file(path: str, config_key: str) -> dict:
    """The checkpoint object of a local ``.pth`` or a URL (mmengine's
    loaders, weights-only unpickling).

    Raises:
        FileNotFoundError: no such local file.
        ValueError: a download that failed, or a file that is not a PyTorch
            checkpoint (a search state, a text file, a truncated copy).
    """
    if not is_url(path) and not osp.isfile(path):
        raise FileNotFoundError(
            f'{config_key}={path!r} does not exist. Give the .pth written by '
            'tools/train.py (e.g. work_dirs/<config>/best_*.pth), by path or '
            'URL (--cfg-options).')
    compat.apply(['checkpoint_safe_globals'])  # mmengine's message hub
    try:
        return _load_checkpoint(path, map_location='cpu')
    except Exception as err:  # the loaders raise many kinds for bad files
        if is_url(path):
            raise ValueError(
                f'{config_key}={path!r}: the download failed '
                f'({type(err).__name__}: {str(err).splitlines()[0][:200]}). '
                'Without network, download it elsewhere and give the local '
                'file path instead.') from None
        with open(path, 'rb') as f:
            head = f.read(16)
        kind = ('a JSON file (a search state search_epoch_N.json belongs to '
                'tools/search.py --resume)' if head.lstrip().startswith(b'{')
                else f'{osp.getsize(path)} bytes starting with {head!r}')
        raise ValueError(
            f'{config_key}={path!r} is not a readable PyTorch checkpoint '
            f'({kind}; the loader failed with {type(err).__name__}). It may '
            'be truncated (an interrupted copy or download) or another kind '
            'of file: give the .pth written by tools/train.py.') from None


def state_dict_of(checkpoint, path: str,
                  config_key: str) -> Dict[str, torch.Tensor]:
    """The state dict inside a checkpoint object: under ``state_dict``
    (mmengine), ``model`` (the KD codebases), or the object itself; a
    DataParallel ``module.`` prefix dropped.

    Raises:
        ValueError: no state dict of tensors there (naming the top-level
            keys found).
    """
    state = checkpoint
    if isinstance(checkpoint, dict):
        for key in STATE_DICT_KEYS:
            if isinstance(checkpoint.get(key), dict):
                state = checkpoint[key]
                break
    if not (isinstance(state, dict) and state
            and all(isinstance(v, torch.Tensor) for v in state.values())):
        found = (
            sorted(map(str, checkpoint))[:10]
            if isinstance(checkpoint, dict) else type(checkpoint).__name__)
        raise ValueError(
            f'{config_key}={path!r} holds no state dict of tensors (top-level'
            f' keys: {found}); expected a state dict, or one under '
            f'{" or ".join(map(repr, STATE_DICT_KEYS))}.')
    return {
        k[len('module.'):] if k.startswith('module.') else k: v
        for k, v in state.items()
    }


def match_state_dict(
    model: torch.nn.Module,
    state: Dict[str, torch.Tensor],
    path: str,
    config_key: str,
) -> Tuple[Dict[str, torch.Tensor], Optional[str]]:
    """``state`` fitted to ``model``'s keys, strictly.

    A distillation checkpoint given for a plain (student) model yields its
    student's weights (``architecture.*``); the second element then says so.

    Raises:
        ValueError: missing, unexpected or misshaped keys (the first of each
            listed).
    """
    expected = model.state_dict()
    note = None
    if not set(expected) & set(state) and any(
            k.startswith(STUDENT_PREFIX) for k in state):
        student = {
            k[len(STUDENT_PREFIX):]: v
            for k, v in state.items() if k.startswith(STUDENT_PREFIX)
        }
        if set(student) & set(expected):
            state = student
            note = (f'{path} is a distillation checkpoint: loading its '
                    f'student (the {STUDENT_PREFIX}* weights).')
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    shapes = sorted(f'{k}: checkpoint {tuple(state[k].shape)} vs model '
                    f'{tuple(v.shape)}' for k, v in expected.items()
                    if k in state and tuple(state[k].shape) != tuple(v.shape))
    if missing or unexpected or shapes:

        def head(items):
            return ', '.join(items[:5]) + (f' (+{len(items) - 5} more)'
                                           if len(items) > 5 else '')

        raise ValueError(
            f'{config_key}={path!r} does not fit the configured '
            f'{type(model).__name__}: missing keys [{head(missing)}], '
            f'unexpected keys [{head(unexpected)}], shape mismatches '
            f'[{head(shapes)}]. Check the config against the one the '
            'checkpoint was trained with.')
    return state, note


def read_model_state(model: torch.nn.Module,
                     path: str,
                     config_key: str,
                     logger=None) -> Dict[str, torch.Tensor]:
    """Read ``path`` (local or URL) and return the state dict that fits
    ``model`` exactly (see :func:`match_state_dict`).

    Args:
        model (nn.Module): The configured model (teacher, student,
            classifier or distillation algorithm).
        path (str): A checkpoint file or URL.
        config_key (str): Where the path came from, for the messages (e.g.
            ``'model.teacher_ckpt'``).
        logger: Where to say that a distillation checkpoint's student was
            taken (mmengine logger); None: not said.

    Raises:
        FileNotFoundError, ValueError: see :func:`load_checkpoint_file`,
            :func:`state_dict_of`, :func:`match_state_dict`.
    """
    checkpoint = load_checkpoint_file(path, config_key)
    state, note = match_state_dict(model,
                                   state_dict_of(checkpoint, path, config_key),
                                   path, config_key)
    if note and logger is not None:
        logger.info(note)
    return state
