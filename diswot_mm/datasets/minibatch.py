"""One real, preprocessed minibatch: what the training-free scores run on."""
import copy
from typing import Optional, Tuple

import torch
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from diswot_mm.registry import MODELS

#: The embedded 20 CIFAR-100 test images, in one batch.
SAMPLE_DATALOADER = dict(
    batch_size=20,
    num_workers=0,
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
    """Build ``dataloader`` and return its first batch, preprocessed.

    Args:
        dataloader (dict, optional): An mmengine dataloader config. Defaults
            to :data:`SAMPLE_DATALOADER` (no download needed).
        data_preprocessor (dict, optional): A data preprocessor config.
            Defaults to :data:`CIFAR100_PREPROCESSOR`.
        seed (int): Seed of the sampler's shuffling, so a search always
            sees the same batch. Defaults to 0.

    Returns:
        tuple: ``inputs`` of shape (B, 3, H, W), float32, normalised, and
        ``labels`` of shape (B,), int64.
    """
    with DefaultScope.overwrite_default_scope('diswot_mm'):
        loader = Runner.build_dataloader(
            copy.deepcopy(dataloader or SAMPLE_DATALOADER), seed=seed)
        preprocessor = MODELS.build(
            copy.deepcopy(data_preprocessor or CIFAR100_PREPROCESSOR))
    data = preprocessor(next(iter(loader)), training=False)
    labels = torch.cat([s.gt_label for s in data['data_samples']])
    return data['inputs'].float(), labels.long()
