from .mobilenet_v2_cifar import MobileNetV2CIFAR
from .resnet_cifar import BasicBlock, CIFARResNet
from .vgg_cifar import VGGCIFAR
from .wrn_cifar import WideResNetCIFAR

__all__ = [
    'BasicBlock', 'CIFARResNet', 'MobileNetV2CIFAR', 'VGGCIFAR',
    'WideResNetCIFAR'
]
