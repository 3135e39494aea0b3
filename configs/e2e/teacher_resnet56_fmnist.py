# The end-to-end teacher: a CIFAR ResNet56 trained briefly on Fashion-MNIST.
_base_ = [
    '../_base_/models/resnet56_cifar.py',
    '../_base_/datasets/fashion_mnist32_bs64.py',
    './schedule_short.py',
    '../_base_/default_runtime.py',
]

model = dict(
    data_preprocessor={{_base_.data_preprocessor}}, head=dict(num_classes=10))
default_hooks = dict(logger=dict(interval=20))
