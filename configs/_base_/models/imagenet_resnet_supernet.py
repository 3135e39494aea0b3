# ImageNet space seeded from ResNet18 (224 input): width multiplier, blocks
# per stage in {1,2,3}, kernel 3/5/7 per block; SPOS supernet.
_base_ = ['./resnet34_imagenet.py']

supernet = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor={{_base_.model.data_preprocessor}},
    backbone=dict(
        type='SearchableImageNetResNet',
        depths=[[1, 2, 3]] * 4,
        kernels=[3, 5, 7],
        widen_factors=[0.5, 0.75, 1.0]),
    neck={{_base_.model.neck}},
    head={{_base_.model.head}})

model = dict(
    _delete_=True,
    type='mmrazor.SPOS',
    architecture=supernet,
    mutator=dict(type='mmrazor.NasMutator'))
