# What turns the CIFAR KD / DisWOT+ bases into ImageNet ones: the ImageNet
# data set and its normalisation (imagenet_bs32.py), a ResNet34
# teacher (mmpretrain's; its checkpoint loads via model.teacher_ckpt), a
# ResNet18 student (leaf configs or tools/search.py replace it) and
# mmrazor's ImageNet KD weights for this pair (CE + 3 KL at T = 1; their
# ResNet34 -> ResNet18 config).
# Leaf configs merge it: model = {{_base_.imagenet_kd}}
_base_ = ['../datasets/imagenet_bs32.py']

resnet = dict(
    _delete_=True,
    type='mmpretrain.ResNet',
    num_stages=4,
    out_indices=(3, ),
    style='pytorch')

imagenet_kd = dict(
    data_preprocessor={{_base_.data_preprocessor}},
    architecture=dict(
        data_preprocessor={{_base_.data_preprocessor}},
        backbone=dict(resnet, depth=18),
        head=dict(
            num_classes=1000,
            in_channels=512,
            topk=(1, 5),
            loss=dict(loss_weight=1.0))),
    teacher=dict(
        data_preprocessor={{_base_.data_preprocessor}},
        backbone=dict(resnet, depth=34),
        head=dict(num_classes=1000, in_channels=512, topk=(1, 5))),
    distiller=dict(distill_losses=dict(loss_kl=dict(tau=1, loss_weight=3.0))))
