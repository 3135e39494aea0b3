# CIFAR ResNet110 with a CIFAR-100 head.
_base_ = ['./resnet20_cifar.py']

model = dict(backbone=dict(arch='resnet110'))
