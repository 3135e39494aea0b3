"""The 20 real CIFAR-100 (or CIFAR-10) test images embedded in the package."""
import glob
import os.path as osp
from typing import List, Optional

import numpy as np
from mmpretrain.datasets import BaseDataset
from mmpretrain.datasets.categories import (CIFAR10_CATEGORIES,
                                            CIFAR100_CATEGORIES)
from PIL import Image

from diswot_mm.registry import DATASETS

SAMPLES_DIR = osp.join(osp.dirname(__file__), 'cifar_samples')


@DATASETS.register_module()
class CIFARSamples(BaseDataset):
    """The first 20 test images of CIFAR-100 or CIFAR-10, shipped with
    diswot_mm (provenance in ``cifar_samples/PROVENANCE.md``).

    Items are laid out like mmpretrain's CIFAR data sets (``img``: an RGB
    uint8 array of shape (32, 32, 3), ``gt_label``), so the same pipelines and
    data preprocessor (``to_rgb=False``) apply. This is the default minibatch
    of the training-free search when the full data set is not on disk; it
    needs no download.

    Args:
        subset (str): ``'cifar100'`` or ``'cifar10'``. Defaults to
            ``'cifar100'``.
        pipeline (list): Data transforms. Defaults to ``()``.
        **kwargs: Other arguments of :class:`BaseDataset`.
    """

    def __init__(self,
                 subset: str = 'cifar100',
                 pipeline: Optional[list] = (),
                 **kwargs):
        categories = dict(
            cifar100=CIFAR100_CATEGORIES, cifar10=CIFAR10_CATEGORIES)
        if subset not in categories:
            raise ValueError(f'CIFARSamples supports subset in '
                             f'{sorted(categories)}, but got {subset!r}.')
        self.subset = subset
        kwargs.setdefault('metainfo', dict(classes=categories[subset]))
        super().__init__(
            ann_file='', data_root=SAMPLES_DIR, pipeline=pipeline, **kwargs)

    def load_data_list(self) -> List[dict]:
        paths = sorted(
            glob.glob(osp.join(SAMPLES_DIR, f'{self.subset}_*.png')))
        if not paths:
            raise FileNotFoundError(
                f'No {self.subset}_*.png sample images in {SAMPLES_DIR}: the '
                'diswot_mm installation is incomplete; reinstall it.')
        return [
            dict(
                img=np.asarray(Image.open(p).convert('RGB')),
                gt_label=int(osp.splitext(p)[0].rsplit('_', 1)[1]))
            for p in paths
        ]
