from .cifar import CIFAR10, CIFAR100
from .cifar_samples import CIFARSamples
from .minibatch import load_minibatch

__all__ = ['CIFAR10', 'CIFAR100', 'CIFARSamples', 'load_minibatch']
