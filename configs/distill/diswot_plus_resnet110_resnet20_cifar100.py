# DisWOT+ (KD + L_Ms + L_Mr): ResNet110 teacher -> ResNet20. tools/search.py
# writes the same recipe for the student it finds (distill_diswot_plus.py).
# Long runs: on Fashion-MNIST an unclipped DisWOT+ ResNet20 run diverged (1 of
# 3 at 16 epochs) and clipping the gradient norm at 10 fixed it and helped
# (configs/e2e/distill_diswot_plus_fmnist.py, docs/benchmarks.md). Not
# measured here; if the loss spikes, add --cfg-options
# optim_wrapper.clip_grad.max_norm=10 (the norm is logged as grad_norm).
_base_ = [
    '../_base_/distill/diswot_plus.py',
    '../_base_/datasets/cifar100_bs64.py',
    '../_base_/schedules/cifar100_bs64_240e.py',
    '../_base_/default_runtime.py',
]

model = dict(teacher=dict(backbone=dict(arch='resnet110')))
