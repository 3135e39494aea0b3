# CIFAR resnet8x4 (RepDistiller's 4x wide ResNet, stages 64/128/256).
_base_ = ['./resnet20_cifar.py']

model = dict(backbone=dict(arch='resnet8x4'), head=dict(in_channels=256))
