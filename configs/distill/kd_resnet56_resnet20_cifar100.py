# Vanilla KD baseline: ResNet56 teacher -> ResNet20 (the hand-picked student).
#   bash tools/dist_train.sh configs/distill/kd_resnet56_resnet20_cifar100.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet56_cifar100/best.pth
_base_ = ['../_base_/distill/kd_cifar100.py']

model = dict(teacher=dict(backbone=dict(arch='resnet56')))
