# Train WRN-40-1 on CIFAR-100 (240 epochs, SGD 0.05, batch 64).
_base_ = [
    '../_base_/models/wrn_40_1_cifar.py',
    '../_base_/datasets/cifar100_bs64.py',
    '../_base_/schedules/cifar100_bs64_240e.py',
    '../_base_/default_runtime.py',
]
