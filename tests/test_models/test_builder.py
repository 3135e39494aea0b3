"""A teacher in every form an OpenMMLab user holds one (issue 21): the same
network, the same DisWOT score, whatever the form; clear errors otherwise."""
import os.path as osp

import pytest
import torch
from conftest import REPO
from mmengine.config import Config
from mmengine.hub import get_config

from diswot_mm.models.builder import (build_model, find_config,
                                      load_model_config, model_scope,
                                      resolve_model_paths)
from diswot_mm.registry import TASK_UTILS

MBV2 = 'mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py'


def zoo_dict(prefix: str = '') -> dict:
    """mmpretrain's _base_/models/mobilenet_v2_1x.py, as a user pastes it
    (no data preprocessor), each ``type`` with ``prefix``."""

    def prefixed(cfg):
        if isinstance(cfg, dict):
            return {
                k: prefix + v if k == 'type' else prefixed(v)
                for k, v in cfg.items()
            }
        return cfg

    model = get_config('mmpretrain::_base_/models/mobilenet_v2_1x.py').model
    assert 'data_preprocessor' not in model
    return prefixed(model.to_dict())


def resnet20_1000():
    cfg = Config.fromfile(f'{REPO}/configs/_base_/models/resnet20_cifar.py')
    cfg.model.head.num_classes = 1000
    return build_model(cfg.model)


def score(teacher, student) -> dict:
    estimator = TASK_UTILS.build(
        dict(type='DisWOTEstimator', teacher=teacher, semantic='cam'))
    return estimator.score(student)


@pytest.fixture(scope='module')
def student():
    return resnet20_1000()


@pytest.fixture(scope='module')
def reference(student):
    """The teacher named by its scoped mmpretrain config."""
    return score(MBV2, student)


@pytest.mark.parametrize(
    'form',
    [
        dict(cfg_path=MBV2, pretrained=False),  # mmrazor's style
        'zoo',
        'zoo_prefixed',
        'module'
    ])
def test_every_form_of_a_teacher_is_the_same_teacher(form, student, reference):
    """Issue 21 rows: a scoped path was "does not exist", a pasted zoo dict
    "ImageClassifier is not in the diswot_mm::model registry", prefixed
    "ClsDataPreprocessor is not in the registry"."""
    if form == 'zoo':
        form = zoo_dict()
    elif form == 'zoo_prefixed':
        form = zoo_dict('mmpretrain.')
    elif form == 'module':
        form = build_model(MBV2)
    result = score(form, student)
    assert result == reference
    assert reference['semantic'] > 0 and reference['relation'] > 0


def test_a_zoo_dict_gets_mmpretrains_defaults():
    for prefix in ('', 'mmpretrain.'):
        cfg = load_model_config(zoo_dict(prefix)).cfg
        assert cfg['_scope_'] == 'mmpretrain'
        model = build_model(cfg)
        assert type(
            model.data_preprocessor).__module__.startswith('mmpretrain.')
        assert type(
            model.head.loss_module).__module__.startswith('mmpretrain.')


def test_diswot_configs_keep_their_scope():
    cfg = load_model_config('configs/_base_/models/wrn_40_2_cifar.py').cfg
    assert cfg['_scope_'] == 'diswot_mm'
    assert type(build_model(cfg).backbone).__name__ == 'WideResNetCIFAR'


def test_a_type_of_no_scope_is_one_clear_error():
    with pytest.raises(KeyError, match="'NoSuchNet'.*custom_imports"):
        model_scope(
            dict(type='ImageClassifier', backbone=dict(type='NoSuchNet')))


def test_pretrained_names_the_metafile_weights():
    resolved = load_model_config(dict(cfg_path=MBV2, pretrained=True))
    assert resolved.checkpoint.startswith('https://download.openmmlab.com/')
    assert resolved.checkpoint.endswith('.pth')
    with pytest.raises(ValueError, match='give one of them'):
        TASK_UTILS.build(
            dict(
                type='DisWOTEstimator',
                teacher=dict(cfg_path=MBV2, pretrained=True),
                teacher_ckpt='teacher.pth'))


def test_a_path_relative_to_the_config_that_names_it(tmp_path):
    """A teacher path relative to the search config, not to the working
    directory: resolved when the config is loaded."""
    (tmp_path / 'teachers').mkdir()
    teacher = tmp_path / 'teachers' / 'my_teacher.py'
    teacher.write_text(
        f"_base_ = ['{REPO}/configs/_base_/models/wrn_40_2_cifar.py']\n")
    search = tmp_path / 'my_search.py'
    search.write_text("train_cfg = dict(estimator=dict("
                      "type='DisWOTEstimator', "
                      "teacher='teachers/my_teacher.py'))\n"
                      "kept = dict(teacher='configs/_base_/models/"
                      "wrn_40_2_cifar.py')\n")
    cfg = Config.fromfile(str(search))
    resolve_model_paths(cfg, str(tmp_path))
    assert cfg.train_cfg.estimator.teacher == str(teacher)
    # not next to the config: left for the working directory
    assert cfg.kept.teacher == 'configs/_base_/models/wrn_40_2_cifar.py'
    assert find_config(cfg.kept.teacher) == cfg.kept.teacher
    with pytest.raises(FileNotFoundError) as err:
        find_config('teachers/missing.py', [str(tmp_path)], 'teacher')
    assert osp.join(str(tmp_path), 'teachers/missing.py') in str(err.value)
    assert 'mmpretrain::' in str(err.value)


def test_a_scoped_path_that_does_not_exist():
    with pytest.raises(FileNotFoundError, match='mmpretrain has no such'):
        load_model_config('mmpretrain::mobilenet_v2/nope.py')


def test_a_built_module_is_returned_as_is():
    module = torch.nn.Linear(2, 2)
    assert build_model(module) is module
