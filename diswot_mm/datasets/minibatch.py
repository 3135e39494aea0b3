"""One real, preprocessed minibatch: what the training-free scores run on."""
import copy
from typing import Optional, Tuple

import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope

from diswot_mm.registry import DATASETS, MODELS

#: The embedded 20 CIFAR-100 test images, in one batch.
SAMPLE_DATALOADER = dict(
    batch_size=20,
    dataset=dict(
        type='CIFARSamples',
        subset='cifar100',
        pipeline=[dict(type='mmpretrain.PackInputs')]),
    sampler=dict(type='DefaultSampler', shuffle=False))

#: CIFAR-100 normalisation on RGB images (as configs/_base_/datasets).
CIFAR100_PREPROCESSOR = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=100,
    mean=[129.304, 124.070, 112.434],
    std=[68.170, 65.392, 70.418],
    to_rgb=False)


def load_minibatch(
        dataloader: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        seed: int = 0) -> Tuple[torch.Tensor, torch.Tensor]:
    """The first batch of a dataloader config, preprocessed.

    The batch is drawn here, not by the config's sampler, so that every
    process of a distributed search sees the same images (a distributed
    sampler would give each rank its own shard).

    Args:
        dataloader (dict, optional): An mmengine dataloader config; its
            ``dataset``, ``batch_size`` and ``sampler.shuffle`` are used.
            Defaults to :data:`SAMPLE_DATALOADER` (no download needed).
        data_preprocessor (dict, optional): A data preprocessor config.
            Defaults to :data:`CIFAR100_PREPROCESSOR`.
        seed (int): Seed of the shuffling when ``sampler.shuffle`` is on.
            Defaults to 0.

    Returns:
        tuple: ``inputs`` of shape (B, 3, H, W), float32, normalised, and
        ``labels`` of shape (B,), int64.
    """
    cfg = copy.deepcopy(dataloader or SAMPLE_DATALOADER)
    with DefaultScope.overwrite_default_scope('diswot_mm'):
        dataset = DATASETS.build(cfg['dataset'])
        preprocessor = MODELS.build(
            copy.deepcopy(data_preprocessor or CIFAR100_PREPROCESSOR))
    batch_size = min(cfg.get('batch_size', len(dataset)), len(dataset))
    if cfg.get('sampler', {}).get('shuffle', False):
        generator = torch.Generator().manual_seed(seed)
        indices = torch.randperm(len(dataset), generator=generator)
    else:
        indices = torch.arange(len(dataset))
    batch = pseudo_collate(
        [dataset[int(i)] for i in indices[:batch_size]])
    data = preprocessor(batch, training=False)
    labels = torch.cat([s.gt_label for s in data['data_samples']])
    return data['inputs'].float(), labels.long()


def dataset_on_disk(dataloader: dict) -> bool:
    """Whether the data set of a dataloader config can be built here."""
    try:
        with DefaultScope.overwrite_default_scope('diswot_mm'):
            DATASETS.build(copy.deepcopy(dataloader['dataset']))
    except FileNotFoundError:
        return False
    return True


def fall_back_to_samples(estimator: dict,
                         sample_dataloader: Optional[dict] = None,
                         logger=None) -> None:
    """If the data set of ``estimator['dataloader']`` (or of the dataloader
    of a member of an ensemble's ``estimators``) is not on disk, score on
    ``sample_dataloader`` (default: the embedded CIFAR-100 images) and say
    so in the log."""
    for member in estimator.get('estimators', {}).values():
        fall_back_to_samples(member, sample_dataloader, logger)
    loader = estimator.get('dataloader')
    if loader is None or dataset_on_disk(loader):
        return
    message = (f'{loader["dataset"].get("data_root", loader["dataset"])} is '
               'not on disk: scoring on the 20 CIFAR-100 test images '
               'embedded in diswot_mm instead. Put the data set there for a '
               'real minibatch.')
    if logger is not None:
        logger.warning(message)
    estimator['dataloader'] = sample_dataloader
