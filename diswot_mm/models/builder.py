"""Build a model from a config in every form an OpenMMLab user holds one.

A model is given as a config file path, a scoped path of an installed
package (``'mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py'``),
mmrazor's ``dict(cfg_path=..., pretrained=...)``, a model dict (as in
diswot_mm's configs, or pasted from mmpretrain's zoo with or without
``mmpretrain.`` prefixes) or an already built ``nn.Module``. The dict is
built in the registry scope where all its unprefixed types resolve, so a
zoo dict gets mmpretrain's defaults (its ``ClsDataPreprocessor``, its
``CrossEntropyLoss``) and a diswot_mm dict diswot_mm's.
"""
import copy
import os.path as osp
from typing import Iterator, List, NamedTuple, Optional, Sequence, Union

import torch.nn as nn
from mmengine.config import Config, ConfigDict

from diswot_mm.registry import MODELS, build_in_scope

#: Scopes a model dict may be built in, tried after the ones its source
#: names (the config file's ``default_scope``, the top type's prefix).
SCOPES = ('diswot_mm', 'mmpretrain', 'mmrazor')


class ModelConfig(NamedTuple):
    """A model config ready to build.

    Attributes:
        cfg (dict): The model dict, with ``_scope_`` set to the scope where
            every unprefixed type in it resolves.
        source (str): Where it came from, for messages and for configs that
            refer back to it (a path, a scoped path, or ``'a model dict'``).
        checkpoint (str, optional): The weights named with it (the
            ``Weights`` URL of mmrazor's ``pretrained=True``), else None.
    """
    cfg: dict
    source: str
    checkpoint: Optional[str]


def find_config(path: str,
                base_dirs: Sequence[str] = (),
                config_key: str = 'model') -> str:
    """The file of a config ``path``: a scoped path (``'pkg::rel.py'``)
    unchanged, else the first existing of ``base_dir/path`` for each of
    ``base_dirs``, then ``path`` as given (working directory).

    Raises:
        FileNotFoundError: naming every place looked at.
    """
    if '::' in path:
        return path
    tried = [osp.join(d, path) for d in base_dirs if not osp.isabs(path)]
    for candidate in tried + [path]:
        if osp.isfile(candidate):
            return candidate
    places = ', '.join(repr(p) for p in tried + [osp.abspath(path)])
    raise FileNotFoundError(
        f'{config_key}={path!r}: no such config file (looked at {places}). '
        'Give a path relative to the config that names it or to the '
        'working directory, or a scoped path of an installed package such '
        "as 'mmpretrain::resnet/resnet50_8xb32_in1k.py'.")


#: Config keys whose string value is a model config path.
MODEL_PATH_KEYS = ('teacher', 'cfg_path')


def resolve_model_paths(cfg: Union[Config, dict], config_dir: str) -> None:
    """Rewrite in place each relative model config path of ``cfg`` (under a
    key of :data:`MODEL_PATH_KEYS`) that exists relative to ``config_dir``
    (the folder of the config file) to that file, so that it no longer
    depends on the working directory. Other values are left as they are
    (a working-directory path is looked up when the model is built)."""
    items = cfg.items() if isinstance(cfg, (dict, Config)) else enumerate(cfg)
    for key, value in list(items):
        if key in MODEL_PATH_KEYS and isinstance(value, str) and \
                '::' not in value and not osp.isabs(value) and \
                osp.isfile(osp.join(config_dir, value)):
            cfg[key] = osp.normpath(osp.join(config_dir, value))
        elif isinstance(value, (dict, list, Config)):
            resolve_model_paths(value, config_dir)


def _read_config(path: str, pretrained: bool, config_key: str) -> Config:
    if '::' not in path:
        return Config.fromfile(path)
    from mmengine.hub import get_config
    package = path.split('::')[0]
    try:
        return get_config(path, pretrained=pretrained)
    except (FileNotFoundError, ValueError, ImportError, AssertionError) as e:
        raise FileNotFoundError(
            f'{config_key}={path!r}: {package} has no such config '
            f'({type(e).__name__}: {e}). The configs of {package} are under '
            f'its installed .mim/configs folder.') from None


def load_model_config(model: Union[str, dict],
                      base_dirs: Sequence[str] = (),
                      config_key: str = 'model') -> ModelConfig:
    """Resolve ``model`` (path, scoped path, ``cfg_path`` dict or model
    dict) to a :class:`ModelConfig`.

    Args:
        model (str | dict): See the module docstring.
        base_dirs (Sequence[str]): Folders a relative path is looked up in
            before the working directory (the folder of the config naming
            it).
        config_key (str): Where ``model`` came from, for the messages (e.g.
            ``'train_cfg.estimator.teacher'``).

    Raises:
        FileNotFoundError: the config file does not exist.
        KeyError: a type resolves in none of the registry scopes.
        ValueError: a config file without a ``model``.
    """
    checkpoint, default_scope = None, None
    if isinstance(model, dict) and 'cfg_path' in model and 'type' not in model:
        unknown = sorted(set(model) - {'cfg_path', 'pretrained'})
        if unknown:
            raise ValueError(f'{config_key}: a cfg_path dict takes cfg_path '
                             f'and pretrained only, but got {unknown}.')
        pretrained = model.get('pretrained', False)
        model = model['cfg_path']
        if pretrained and '::' not in model:
            raise ValueError(
                f'{config_key}: pretrained=True takes its weights from the '
                f"metafile of a scoped path ('pkg::...'), but {model!r} is a "
                'file: set the checkpoint path instead.')
    else:
        pretrained = False
    if isinstance(model, str):
        source = find_config(model, base_dirs, config_key)
        cfg = _read_config(source, pretrained, config_key)
        if 'model' not in cfg:
            raise ValueError(f'{config_key}={source!r} has no `model`: give '
                             'a config file that defines one.')
        checkpoint = cfg.get('model_path') if pretrained else None
        default_scope = cfg.get('default_scope') or (source.split('::')[0] if
                                                     '::' in source else None)
        cfg = cfg.model
    elif isinstance(model, dict):
        source, cfg = 'a model dict', model
    else:
        raise TypeError(f'{config_key} must be a config path or a model dict,'
                        f' but got {type(model).__name__}.')
    cfg = copy.deepcopy(
        cfg.to_dict() if isinstance(cfg, ConfigDict) else dict(cfg))
    cfg['_scope_'] = cfg.get('_scope_') or model_scope(cfg, default_scope,
                                                       config_key)
    return ModelConfig(cfg, source, checkpoint)


def build_model(model: Union[str, dict, nn.Module],
                base_dirs: Sequence[str] = (),
                config_key: str = 'model') -> nn.Module:
    """Build ``model`` (see :func:`load_model_config`); a built
    ``nn.Module`` is returned as is."""
    if isinstance(model, nn.Module):
        return model
    return build_in_scope(load_model_config(model, base_dirs, config_key).cfg)


#: Parts of a model dict whose types are in other registries (weight
#: initialisers, batch augments): they do not decide the scope.
NOT_MODELS = ('init_cfg', 'train_cfg', 'test_cfg')


def _types(cfg) -> Iterator[str]:
    """The ``type`` strings of the model registry in ``cfg``."""
    if isinstance(cfg, dict):
        if isinstance(cfg.get('type'), str):
            yield cfg['type']
        for key, value in cfg.items():
            if key not in NOT_MODELS:
                yield from _types(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            yield from _types(value)


def _resolves(name: str, scope: str) -> bool:
    with MODELS.switch_scope_and_registry(scope) as registry:
        return registry.get(name) is not None


def model_scope(cfg: dict,
                preferred: Optional[str] = None,
                config_key: str = 'model') -> str:
    """The registry scope to build the model dict ``cfg`` in: the first of
    ``preferred``, the prefix of its top ``type`` and :data:`SCOPES` in
    which every unprefixed type of ``cfg`` resolves.

    Raises:
        KeyError: no scope resolves them all; names the types missing.
    """
    names = list(_types(cfg))
    if not names:
        raise KeyError(f'{config_key}: the model dict has no `type`.')
    unprefixed = sorted({n for n in names if '.' not in n})
    top = names[0]
    scopes: List[str] = [s for s in (preferred, ) if s]
    if '.' in top:
        scopes.append(top.split('.')[0])
    scopes += [s for s in SCOPES if s not in scopes]
    for scope in scopes:
        if all(_resolves(n, scope) for n in unprefixed):
            return scope
    missing = {
        scope: [n for n in unprefixed if not _resolves(n, scope)]
        for scope in scopes
    }
    raise KeyError(
        f'{config_key}: the model types {unprefixed} are not all in one '
        f'registry scope (missing per scope: {missing}). Prefix the types of '
        "other packages with their scope, e.g. 'mmpretrain.ResNet', or add "
        'the module that registers them to custom_imports.')
