"""The package imports and registers; configs build; a Runner trains,
checkpoints and resumes on the embedded sample images."""
import os
import os.path as osp

import pytest
import torch
from conftest import REPO
from mmengine.config import Config
from mmengine.runner import Runner

import diswot_mm
from diswot_mm.registry import DATASETS, MODELS, build_in_scope
from diswot_mm.utils.checkpoint import load_checkpoint_file


def test_import_registers_components():
    assert diswot_mm.__version__
    assert MODELS.get('CIFARResNet') is not None
    assert DATASETS.get('CIFARSamples') is not None
    # parents: diswot_mm -> mmrazor -> mmengine
    assert MODELS.parent.scope == 'mmrazor'
    assert MODELS.get('NasMutator') is not None  # an mmrazor component


def test_sample_dataset_labels_match_file_names():
    ds = DATASETS.build(dict(type='CIFARSamples', subset='cifar100'))
    assert len(ds) == 20
    assert [ds.get_data_info(i)['gt_label'] for i in range(4)] == \
        [49, 33, 72, 51]
    assert ds.get_data_info(0)['img'].shape == (32, 32, 3)
    assert len(DATASETS.build(dict(type='CIFARSamples', subset='cifar10')))\
        == 20
    with pytest.raises(ValueError, match='cifar10'):
        DATASETS.build(dict(type='CIFARSamples', subset='svhn'))


def test_missing_full_dataset_gives_clear_error(tmp_path):
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/_base_/datasets/cifar100_bs64.py'))
    dataset = dict(cfg.train_dataloader.dataset, data_root=str(tmp_path))
    with pytest.raises(FileNotFoundError) as err:
        build_in_scope(dataset, DATASETS)
    for expected in (str(tmp_path), 'cifar-100-python', 'download=True'):
        assert expected in str(err.value)


def test_classifier_from_config_forwards_sample_images(sample_batch):
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/_base_/models/resnet56_cifar.py'))
    model = build_in_scope(cfg.model)
    inputs, labels = sample_batch
    assert model.backbone.stage_blocks == (9, 9, 9)
    logits = model(inputs, mode='tensor')
    assert logits.shape == (20, 100)
    losses = model(inputs, _samples(labels), mode='loss')
    assert torch.isfinite(losses['loss'])


def _samples(labels):
    from mmpretrain.structures import DataSample
    return [DataSample().set_gt_label(int(y)) for y in labels]


def _train_cfg(work_dir, max_iters):
    cfg = Config.fromfile(osp.join(REPO, 'tests/data/train_tiny.py'))
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_iters = max_iters
    return cfg


def test_runner_trains_checkpoints_and_resumes(tmp_path):
    assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD' not in os.environ
    runner = Runner.from_cfg(_train_cfg(tmp_path, max_iters=2))
    runner.train()
    ckpt = tmp_path / 'iter_2.pth'
    assert ckpt.is_file()
    # the compat allow-list lets torch's default weights_only load it
    state = load_checkpoint_file(str(ckpt), 'checkpoint')
    assert state['meta']['iter'] == 2

    cfg = _train_cfg(tmp_path, max_iters=4)
    cfg.resume = True
    resumed = Runner.from_cfg(cfg)
    resumed.train()
    assert resumed.iter == 4
    assert (tmp_path / 'iter_4.pth').is_file()
    assert load_checkpoint_file(str(tmp_path / 'iter_4.pth'),
                                'checkpoint')['meta']['iter'] == 4
