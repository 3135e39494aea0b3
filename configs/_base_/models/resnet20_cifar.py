# CIFAR ResNet20 (BasicBlock, widths 16/32/64) with a CIFAR-100 head.
# mmpretrain parts carry the `mmpretrain.` prefix (see diswot_mm/registry.py).
model = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor',
        num_classes=100,
        mean=[129.304, 124.070, 112.434],
        std=[68.170, 65.392, 70.418],
        to_rgb=False),
    backbone=dict(type='CIFARResNet', arch='resnet20'),
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=100,
        in_channels=64,
        loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0)))
