"""Fashion-MNIST from Debian's ``dataset-fashion-mnist`` package, as
32x32 RGB images for CIFAR-style networks."""
import gzip
import os.path as osp
from typing import List, Optional

import numpy as np
from mmpretrain.datasets import BaseDataset

from diswot_mm.registry import DATASETS

FASHION_MNIST_CLASSES = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
                         'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot')
#: Where ``apt-get install dataset-fashion-mnist`` puts the idx files.
FASHION_MNIST_ROOT = '/usr/share/datasets/fashion-mnist'
FILES = dict(
    train=('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'),
    test=('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'))


def read_idx(path: str) -> np.ndarray:
    """An idx file (gzipped or not) as a numpy array."""
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(
        int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim))
    return np.frombuffer(
        data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


@DATASETS.register_module()
class FashionMNIST32(BaseDataset):
    """Fashion-MNIST (60,000 train / 10,000 test, 10 classes) zero-padded
    from 28x28 to 32x32 and repeated to 3 channels, laid out like
    mmpretrain's CIFAR (``img``: uint8 (32, 32, 3), ``gt_label``).

    Args:
        data_root (str): Folder of the idx files. Defaults to
            :data:`FASHION_MNIST_ROOT`.
        split (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        num_samples (int, optional): Keep a seeded random subset of this
            size (quick runs). Defaults to None (all).
        subset_seed (int): Seed of that subset. Defaults to 0.
        **kwargs: Other arguments of :class:`BaseDataset`.
    """
    METAINFO = {'classes': FASHION_MNIST_CLASSES}

    def __init__(self,
                 data_root: str = FASHION_MNIST_ROOT,
                 split: str = 'train',
                 num_samples: Optional[int] = None,
                 subset_seed: int = 0,
                 **kwargs):
        if split not in FILES:
            raise ValueError(f'split must be one of {sorted(FILES)}, got '
                             f'{split!r}.')
        self.split = split
        self.num_samples = num_samples
        self.subset_seed = subset_seed
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def load_data_list(self) -> List[dict]:
        paths = [osp.join(self.data_root, name) for name in FILES[self.split]]
        missing = [p for p in paths if not osp.isfile(p)]
        if missing:
            raise FileNotFoundError(
                f'Fashion-MNIST is not at {self.data_root!r} (missing '
                f'{missing}). Install it with: apt-get install -y '
                f'dataset-fashion-mnist (files go to {FASHION_MNIST_ROOT}), '
                'or set data_root to a folder with the idx files.')
        images, labels = read_idx(paths[0]), read_idx(paths[1])
        indices = np.arange(len(labels))
        if self.num_samples is not None:
            rng = np.random.default_rng(self.subset_seed)
            indices = np.sort(
                rng.choice(len(labels), self.num_samples, replace=False))
        padded = np.pad(images[indices], ((0, 0), (2, 2), (2, 2)))
        rgb = np.repeat(padded[..., None], 3, axis=3)
        return [
            dict(img=img, gt_label=int(label))
            for img, label in zip(rgb, labels[indices])
        ]
