# VGG-8 (BN) with a CIFAR-100 head.
_base_ = ['./resnet20_cifar.py']

model = dict(
    backbone=dict(_delete_=True, type='VGGCIFAR', depth=8),
    head=dict(in_channels=512))
