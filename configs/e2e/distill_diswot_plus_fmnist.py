# DisWOT+ on the end-to-end recipe: KD of configs/e2e/distill_kd_fmnist.py
# plus L_Ms and L_Mr with the weights of configs/_base_/distill/diswot_plus.py.
_base_ = [
    '../_base_/distill/diswot_plus.py',
    '../_base_/datasets/fashion_mnist32_bs64.py',
    './schedule_short.py',
    '../_base_/default_runtime.py',
]

model = dict(
    data_preprocessor={{_base_.data_preprocessor}},
    architecture=dict(head=dict(num_classes=10)),
    teacher=dict(backbone=dict(arch='resnet56'), head=dict(num_classes=10)))
default_hooks = dict(logger=dict(interval=20))
