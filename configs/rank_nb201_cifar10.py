# NAS-Bench-201's CIFAR-10 column (see rank_nb201_cifar100.py): 10-class
# cells, scored on the 20 real CIFAR-10 test images embedded in diswot_mm;
# DisWOT's Gaussian ResNet110 teacher with a 10-class head.
#   python tools/analysis/rank_correlation.py configs/rank_nb201_cifar10.py
_base_ = ['./rank_nb201_cifar100.py']

preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=10,
    mean=[125.307, 122.961, 113.8575],
    std=[51.5865, 50.847, 51.255],
    to_rgb=False)
model = dict(
    architecture=dict(
        data_preprocessor=preprocessor, head=dict(num_classes=10)))
teacher = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor=preprocessor,
    backbone=dict(type='CIFARResNet', arch='resnet110'),
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0)))

diswot = dict(teacher=dict(_delete_=True, **teacher))

rank_cfg = dict(
    accuracy_column='cifar10_test',
    minibatch=dict(
        dataloader=dict(dataset=dict(subset='cifar10')),
        data_preprocessor=preprocessor),
    estimators=dict(
        diswot=diswot,
        # every ensemble with a DisWOT member: this teacher
        **{
            name: dict(estimators=dict(diswot=diswot))
            for name, est in _base_.rank_cfg.estimators.items()
            if 'diswot' in est.get('estimators', {})
        }))
