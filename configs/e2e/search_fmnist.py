# DisWOT search of S1 students for the trained Fashion-MNIST ResNet56 teacher,
# within ResNet20's parameter count (0.2722 M with a 10-class head).
_base_ = [
    '../diswot_cifar100.py',
    '../_base_/datasets/fashion_mnist32_preprocessor.py',
]

model = dict(
    architecture=dict(
        data_preprocessor={{_base_.data_preprocessor}},
        head=dict(num_classes=10)))
train_cfg = dict(
    estimator=dict(
        teacher='{{ fileDirname }}/teacher_resnet56_fmnist.py',
        teacher_ckpt=None,  # set by the driver: the trained teacher
        data_preprocessor={{_base_.data_preprocessor}},
        dataloader=dict(
            _delete_=True,
            batch_size=64,
            dataset=dict(
                type='FashionMNIST32',
                split='train',
                pipeline=[dict(type='mmpretrain.PackInputs')]),
            sampler=dict(type='DefaultSampler', shuffle=True))),
    constraints_range=dict(params=(0, 0.2725)))
# both on Fashion-MNIST (merged into the base's dict, diswot_plus would
# distil on its CIFAR-100 data)
distill_configs = dict(
    _delete_=True,
    diswot='{{ fileDirname }}/distill_kd_fmnist.py',
    diswot_plus='{{ fileDirname }}/distill_diswot_plus_fmnist.py')
