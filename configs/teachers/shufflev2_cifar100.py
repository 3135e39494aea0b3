# Train ShuffleNetV2 1x (CIFAR) on CIFAR-100 (240 epochs, SGD 0.01 as
# RepDistiller uses for ShuffleNets, batch 64).
_base_ = [
    '../_base_/models/shufflev2_cifar.py',
    '../_base_/datasets/cifar100_bs64.py',
    '../_base_/schedules/cifar100_bs64_240e.py',
    '../_base_/default_runtime.py',
]

optim_wrapper = dict(optimizer=dict(lr=0.01))
