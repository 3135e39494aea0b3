# Vanilla KD baseline: ResNet110 teacher -> ResNet20 (the hand-picked student).
#   bash tools/dist_train.sh configs/distill/kd_resnet110_resnet20_cifar100.py 8 \
#       --cfg-options model.teacher_ckpt=work_dirs/resnet110_cifar100/best.pth
_base_ = ['../_base_/distill/kd_cifar100.py']

model = dict(teacher=dict(backbone=dict(arch='resnet110')))
