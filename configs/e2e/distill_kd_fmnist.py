# The end-to-end distillation recipe (the same for every student compared):
# KD (0.1 CE + 0.9 KL, T=4) from the ResNet56 Fashion-MNIST teacher. The
# student is set with model.architecture.backbone.stage_blocks=[a,b,c].
_base_ = [
    '../_base_/distill/kd.py',
    '../_base_/datasets/fashion_mnist32_bs64.py',
    './schedule_short.py',
    '../_base_/default_runtime.py',
]

model = dict(
    data_preprocessor={{_base_.data_preprocessor}},
    architecture=dict(head=dict(num_classes=10)),
    teacher=dict(backbone=dict(arch='resnet56'), head=dict(num_classes=10)))
default_hooks = dict(logger=dict(interval=20))
