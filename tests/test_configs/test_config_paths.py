"""Every config names the files it uses (teachers, distillation bases,
rank ground truths) from its own folder, so it loads and runs from any
working directory."""
import glob
import os.path as osp

import pytest
from conftest import REPO
from mmengine.config import Config

CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(f'{REPO}/configs/**/*.py', recursive=True))
PATH_KEYS = ('teacher', 'cfg_path', 'ground_truth', 'vanilla_ground_truth')
#: Checkpoints: most are the user's (a relative work_dirs path, a --cfg-options
#: value); one the repository ships is named from the config's folder.
CKPT_KEYS = ('teacher_ckpt', )


def named_paths(cfg, where=''):
    """(config key, value) of every model config path and distill config."""
    items = cfg.items() if isinstance(cfg, dict) else enumerate(cfg)
    for key, value in items:
        here = f'{where}.{key}' if where else str(key)
        if isinstance(value,
                      str) and (key in PATH_KEYS or where == 'distill_configs'
                                or (key in CKPT_KEYS and osp.isabs(value))):
            yield here, value
        elif isinstance(value, (dict, list)):
            yield from named_paths(value, here)


@pytest.mark.parametrize('config', CONFIGS)
def test_named_configs_exist_from_any_working_directory(
        config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromfile(osp.join(REPO, config)).to_dict()
    for key, path in named_paths(cfg):
        if '::' in path:  # a scoped path of an installed package
            continue
        assert osp.isabs(path) and osp.isfile(path), f'{config}: {key}={path}'
