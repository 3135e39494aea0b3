from .cifar import CIFAR10, CIFAR100
from .cifar_samples import CIFARSamples
from .fashion_mnist import FashionMNIST32
from .seeded_augmentation import SeededAugmentedDataset
from .minibatch import dataset_on_disk, fall_back_to_samples, load_minibatch

__all__ = [
    'CIFAR10', 'CIFAR100', 'CIFARSamples', 'FashionMNIST32',
    'SeededAugmentedDataset',
    'dataset_on_disk', 'fall_back_to_samples', 'load_minibatch'
]
