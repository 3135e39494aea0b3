# Baseline: the ResNet20 student trained alone (no teacher), same recipe.
_base_ = [
    '../_base_/models/resnet20_cifar.py',
    '../_base_/datasets/cifar100_bs64.py',
    '../_base_/schedules/cifar100_bs64_240e.py',
    '../_base_/default_runtime.py',
]
