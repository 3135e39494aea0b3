"""A fixed, seeded set of augmented images: the official DisWOT code scores
on an augmented training batch; this makes such a batch reproducible."""
import copy
from typing import List, Optional

import numpy as np
from mmcv.transforms import Compose

from diswot_mm.registry import DATASETS, TRANSFORMS, build_in_scope


@DATASETS.register_module()
class SeededAugmentedDataset:
    """``num_samples`` augmented copies of the items of a data set.

    Item ``i`` is item ``i % len(dataset)`` of ``dataset`` passed through
    ``pipeline`` with numpy's global RNG (which mmcv/mmpretrain transforms
    draw from) seeded from (``seed``, ``i``) and restored afterwards, so the
    same index always gives the same image: on every rank, in any order, on
    every resume.

    Args:
        dataset (dict): The data set config; its own pipeline should only
            load (e.g. ``[]`` for in-memory CIFAR-style items).
        num_samples (int): Number of items. Defaults to 64.
        pipeline (list): Transforms applied per item, e.g. random crop 32
            with padding 4, horizontal flip, then ``PackInputs``.
        seed (int): Seed of the augmentation. Defaults to 0.
    """

    def __init__(self,
                 dataset: dict,
                 pipeline: List[dict],
                 num_samples: int = 64,
                 seed: int = 0):
        if num_samples < 1:
            raise ValueError(f'num_samples must be >= 1, got {num_samples}.')
        self.dataset = build_in_scope(copy.deepcopy(dataset), DATASETS)
        self.pipeline = Compose(
            [build_in_scope(copy.deepcopy(t), TRANSFORMS) for t in pipeline])
        self.metainfo = getattr(self.dataset, 'metainfo', {})
        self.num_samples = num_samples
        self.seed = seed

    def __len__(self) -> int:
        return self.num_samples

    def __getitem__(self, index: int) -> Optional[dict]:
        if not 0 <= index < self.num_samples:
            raise IndexError(f'index {index} out of range for '
                             f'{self.num_samples} samples.')
        item = copy.deepcopy(self.dataset[index % len(self.dataset)])
        state = np.random.get_state()
        np.random.seed([self.seed, index])
        try:
            return self.pipeline(item)
        finally:
            np.random.set_state(state)
