# Vanilla KD baseline: ResNet56 teacher -> ResNet20 (the hand-picked student).
#   bash tools/dist_train.sh \
#       configs/distill/kd_resnet56_resnet20_cifar100.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet56_cifar100/best.pth
_base_ = [
    '../_base_/distill/kd.py',
    '../_base_/datasets/cifar100_bs64.py',
    '../_base_/schedules/cifar100_bs64_240e.py',
    '../_base_/default_runtime.py',
]

model = dict(teacher=dict(backbone=dict(arch='resnet56')))
