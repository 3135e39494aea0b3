# ImageNet-1k as mmpretrain's imagenet_bs32 (32 images per GPU: 8 GPUs give
# the usual batch 256). Needs data/imagenet in mmpretrain's layout.
_base_ = ['./imagenet_preprocessor.py']

dataset_type = 'mmpretrain.ImageNet'

train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=224),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]
test_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.ResizeEdge', scale=256, edge='short'),
    dict(type='mmpretrain.CenterCrop', crop_size=224),
    dict(type='mmpretrain.PackInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=5,
    dataset=dict(
        type=dataset_type,
        data_root='data/imagenet',
        split='train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=32,
    num_workers=5,
    dataset=dict(
        type=dataset_type,
        data_root='data/imagenet',
        split='val',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
