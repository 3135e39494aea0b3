# What turns the CIFAR KD / DisWOT+ bases into ImageNet ones: a ResNet34
# teacher (mmpretrain's; its checkpoint loads via model.teacher_ckpt), a
# ResNet18 student (leaf configs or tools/search.py replace it) and
# mmrazor's ImageNet KD weights for this pair (CE + 3 KL at T = 1; their
# ResNet34 -> ResNet18 config).
# Leaf configs merge it: model = {{_base_.imagenet_kd}}
imagenet_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=1000,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

resnet = dict(
    _delete_=True,
    type='mmpretrain.ResNet',
    num_stages=4,
    out_indices=(3, ),
    style='pytorch')

imagenet_kd = dict(
    data_preprocessor=imagenet_preprocessor,
    architecture=dict(
        data_preprocessor=imagenet_preprocessor,
        backbone=dict(resnet, depth=18),
        head=dict(
            num_classes=1000,
            in_channels=512,
            topk=(1, 5),
            loss=dict(loss_weight=1.0))),
    teacher=dict(
        data_preprocessor=imagenet_preprocessor,
        backbone=dict(resnet, depth=34),
        head=dict(num_classes=1000, in_channels=512, topk=(1, 5))),
    distiller=dict(distill_losses=dict(loss_kl=dict(tau=1, loss_weight=3.0))))
