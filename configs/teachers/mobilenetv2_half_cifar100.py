# Train MobileNetV2 x0.5 (RepDistiller's CIFAR MobileNetV2) on CIFAR-100
# (240 epochs, SGD 0.05, batch 64).
_base_ = [
    '../_base_/models/mobilenetv2_half_cifar.py',
    '../_base_/datasets/cifar100_bs64.py',
    '../_base_/schedules/cifar100_bs64_240e.py',
    '../_base_/default_runtime.py',
]

# RepDistiller's lr for MobileNetV2 / ShuffleNet.
optim_wrapper = dict(optimizer=dict(lr=0.01))
