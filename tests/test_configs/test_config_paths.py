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
#: Configs whose named files a long run is still producing (strict: the test
#: fails once they exist, so the mark goes with the data's commit).
IN_PRODUCTION = {
    'configs/rank_s1_fmnist_t91.py':
    'issue 25: the Fashion-MNIST KD + vanilla ground truth is running'
}


def named_paths(cfg, where=''):
    """(config key, value) of every model config path and distill config."""
    items = cfg.items() if isinstance(cfg, dict) else enumerate(cfg)
    for key, value in items:
        here = f'{where}.{key}' if where else str(key)
        if isinstance(value, str) and (key in PATH_KEYS
                                       or where == 'distill_configs'):
            yield here, value
        elif isinstance(value, (dict, list)):
            yield from named_paths(value, here)


@pytest.mark.parametrize('config', [
    pytest.param(
        c, marks=pytest.mark.xfail(reason=IN_PRODUCTION[c], strict=True))
    if c in IN_PRODUCTION else c for c in CONFIGS
])
def test_named_configs_exist_from_any_working_directory(
        config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromfile(osp.join(REPO, config)).to_dict()
    for key, path in named_paths(cfg):
        if '::' in path:  # a scoped path of an installed package
            continue
        assert osp.isabs(path) and osp.isfile(path), f'{config}: {key}={path}'
