# WRN-16-2 with a CIFAR-100 head.
_base_ = ['./resnet20_cifar.py']

model = dict(
    backbone=dict(
        _delete_=True, type='WideResNetCIFAR', depth=16, widen_factor=2),
    head=dict(in_channels=128))
