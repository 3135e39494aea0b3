from .resnet_cifar import BasicBlock, CIFARResNet

__all__ = ['BasicBlock', 'CIFARResNet']
