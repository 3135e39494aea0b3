from .cifar import CIFAR10, CIFAR100
from .cifar_samples import CIFARSamples
from .fashion_mnist import FashionMNIST32
from .minibatch import (apply_sample_fallback, dataset_cache,
                        describe_minibatch, describe_minibatches,
                        load_minibatch)
from .seeded_augmentation import SeededAugmentedDataset

__all__ = [
    'CIFAR10', 'CIFAR100', 'CIFARSamples', 'FashionMNIST32',
    'SeededAugmentedDataset', 'apply_sample_fallback', 'dataset_cache',
    'describe_minibatch', 'describe_minibatches', 'load_minibatch'
]
