"""mmpretrain's CIFAR data sets, with a clear error when the data is missing.

mmpretrain downloads a missing CIFAR by default; on a machine without network
that fails deep inside urllib. These subclasses default to ``download=False``
and, when the files are not on disk, raise one error that names the path, the
expected layout and the two ways to obtain the data.
"""
import os.path as osp

from mmpretrain.datasets import CIFAR10 as _MMPretrainCIFAR10
from mmpretrain.datasets import CIFAR100 as _MMPretrainCIFAR100

from diswot_mm.registry import DATASETS


class _RequireOnDisk:
    """Mixin for mmpretrain's CIFAR classes (``base_folder``, ``url``)."""

    def __init__(self, *args, download: bool = False, **kwargs):
        super().__init__(*args, download=download, **kwargs)

    def load_data_list(self):
        root = self.data_prefix['root']
        if not self.download and not self._check_integrity():
            raise FileNotFoundError(
                f'{type(self).__name__} is not on disk at {root!r}. Expected '
                f'layout: {osp.join(root, self.base_folder)}/ with the '
                'python-pickle batches of the official archive. Obtain it '
                f'with `download=True` in the dataset config (e.g. '
                '--cfg-options train_dataloader.dataset.download=True), or '
                f'extract {self.url} into {root!r}. The training-free search '
                'can run without it on the embedded sample (CIFARSamples).')
        return super().load_data_list()


@DATASETS.register_module()
class CIFAR10(_RequireOnDisk, _MMPretrainCIFAR10):
    """mmpretrain's CIFAR10 with ``download=False`` and a clear error."""


@DATASETS.register_module()
class CIFAR100(_RequireOnDisk, _MMPretrainCIFAR100):
    """mmpretrain's CIFAR100 with ``download=False`` and a clear error."""
