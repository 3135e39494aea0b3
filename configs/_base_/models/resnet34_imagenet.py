# mmpretrain's ResNet34 for ImageNet-1k (the DisWOT ImageNet teacher).
_base_ = ['../datasets/imagenet_preprocessor.py']

model = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(
        type='mmpretrain.ResNet',
        depth=34,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch'),
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=1000,
        in_channels=512,
        loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
