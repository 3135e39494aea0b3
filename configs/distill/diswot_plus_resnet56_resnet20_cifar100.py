# DisWOT+ (KD + L_Ms + L_Mr): ResNet56 teacher -> ResNet20. tools/search.py
# writes the same recipe for the student it finds (distill_diswot_plus.py).
_base_ = [
    '../_base_/distill/diswot_plus.py',
    '../_base_/datasets/cifar100_bs64.py',
    '../_base_/schedules/cifar100_bs64_240e.py',
    '../_base_/default_runtime.py',
]

model = dict(teacher=dict(backbone=dict(arch='resnet56')))
