from .mobilenet_v2_cifar import MobileNetV2CIFAR
from .resnet_cifar import BasicBlock, CIFARResNet
from .shufflenet_cifar import ShuffleNetV1CIFAR, ShuffleNetV2CIFAR
from .vgg_cifar import VGGCIFAR
from .wrn_cifar import WideResNetCIFAR

__all__ = [
    'BasicBlock', 'CIFARResNet', 'MobileNetV2CIFAR', 'ShuffleNetV1CIFAR',
    'ShuffleNetV2CIFAR', 'VGGCIFAR', 'WideResNetCIFAR'
]
