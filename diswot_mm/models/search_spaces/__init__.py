from .s1_cifar_resnet import SearchableCIFARResNet
from .utils import alias_to_choices, choices_to_alias

__all__ = ['SearchableCIFARResNet', 'alias_to_choices', 'choices_to_alias']
