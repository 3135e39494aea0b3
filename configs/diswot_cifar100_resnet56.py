# The S1 search of diswot_cifar100.py for a ResNet56 teacher.
_base_ = ['./diswot_cifar100.py']

train_cfg = dict(
    estimator=dict(teacher='configs/_base_/models/resnet56_cifar.py'))
distill_configs = dict(
    diswot='configs/distill/kd_resnet56_resnet20_cifar100.py',
    diswot_plus='configs/distill/diswot_plus_resnet56_resnet20_cifar100.py')
