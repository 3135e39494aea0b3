# WRN-40-1 with a CIFAR-100 head.
_base_ = ['./resnet20_cifar.py']

model = dict(
    backbone=dict(
        _delete_=True, type='WideResNetCIFAR', depth=40, widen_factor=1),
    head=dict(in_channels=64))
