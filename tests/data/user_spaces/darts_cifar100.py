# A user's search over mmrazor's shipped DARTS supernet (issue 35), as the
# user wrote it: SPOS + NasMutator around mmrazor's _base_ backbone.
_base_ = [
    '../../../configs/diswot_cifar100.py',
    'mmrazor::_base_/nas_backbones/darts_supernet.py',
]

supernet = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor={{_base_.model.architecture.data_preprocessor}},
    backbone=_base_.nas_backbone,
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=100,
        in_channels=256,
        loss=dict(type='mmpretrain.CrossEntropyLoss')))
model = dict(
    _delete_=True,
    type='mmrazor.SPOS',
    architecture=supernet,
    mutator=dict(type='mmrazor.NasMutator'))
train_cfg = dict(
    estimator=dict(semantic='class'), constraints_range=dict(params=(0, 5)))
