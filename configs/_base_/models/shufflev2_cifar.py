# ShuffleNetV2 1x (CIFAR) with a CIFAR-100 head.
_base_ = ['./resnet20_cifar.py']

model = dict(
    backbone=dict(_delete_=True, type='ShuffleNetV2CIFAR'),
    head=dict(in_channels=1024))
