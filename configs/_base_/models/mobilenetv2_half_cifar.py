# MobileNetV2 x0.5 (RepDistiller's CIFAR MobileNetV2) with a CIFAR-100 head.
_base_ = ['./resnet20_cifar.py']

model = dict(
    backbone=dict(_delete_=True, type='MobileNetV2CIFAR', widen_factor=0.5),
    head=dict(in_channels=1280))
