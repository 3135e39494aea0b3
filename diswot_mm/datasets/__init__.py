from .cifar import CIFAR10, CIFAR100
from .cifar_samples import CIFARSamples
from .fashion_mnist import FashionMNIST32
from .minibatch import dataset_on_disk, fall_back_to_samples, load_minibatch
from .seeded_augmentation import SeededAugmentedDataset

__all__ = [
    'CIFAR10', 'CIFAR100', 'CIFARSamples', 'FashionMNIST32',
    'SeededAugmentedDataset',
    'dataset_on_disk', 'fall_back_to_samples', 'load_minibatch'
]
