# CIFAR-100 from data/cifar100 (python-pickle batches); the standard training
# augmentation: random crop 32 with padding 4, horizontal flip, CIFAR-100
# mean/std normalisation (the data preprocessor of the CIFAR model configs,
# configs/_base_/models/resnet20_cifar.py, which they all inherit).
dataset_type = 'CIFAR100'
data_root = 'data/cifar100'

train_pipeline = [
    dict(type='mmpretrain.RandomCrop', crop_size=32, padding=4),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]
test_pipeline = [dict(type='mmpretrain.PackInputs')]

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
