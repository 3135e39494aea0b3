# The S1 search of diswot_cifar100.py for a ResNet56 teacher.
_base_ = ['./diswot_cifar100.py']

train_cfg = dict(
    estimator=dict(
        teacher='{{ fileDirname }}/_base_/models/resnet56_cifar.py'))
distill_configs = dict(
    diswot='{{ fileDirname }}/distill/kd_resnet56_resnet20_cifar100.py',
    diswot_plus='{{ fileDirname }}/distill/'
    'diswot_plus_resnet56_resnet20_cifar100.py')
