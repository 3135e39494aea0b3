# DisWOT search space S1 (CIFAR-100): CIFAR ResNet, widths 16/32/64, blocks per
# stage in {1, 3, 5, 7} -> 64 students named by digits ('333' = ResNet20).
_base_ = ['./resnet20_cifar.py']

supernet = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor={{_base_.model.data_preprocessor}},
    backbone=dict(
        type='SearchableCIFARResNet',
        blocks=[[1, 3, 5, 7], [1, 3, 5, 7], [1, 3, 5, 7]],
        stage_channels=[16, 32, 64]),
    neck={{_base_.model.neck}},
    head={{_base_.model.head}})

model = dict(
    _delete_=True,
    type='mmrazor.SPOS',
    architecture=supernet,
    mutator=dict(type='mmrazor.NasMutator'))
