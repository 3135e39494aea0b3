# ShuffleNetV1 (CIFAR, groups 3) with a CIFAR-100 head.
_base_ = ['./resnet20_cifar.py']

model = dict(
    backbone=dict(_delete_=True, type='ShuffleNetV1CIFAR'),
    head=dict(in_channels=960))
