# Fashion-MNIST (Debian package dataset-fashion-mnist), padded to 32x32 and
# repeated to 3 channels (FashionMNIST32), 10 classes. The files are read from
# FashionMNIST32's default data_root (where the package installs them); set
# train_dataloader.dataset.data_root (and val's) for another folder.
_base_ = ['./fashion_mnist32_preprocessor.py']

dataset_type = 'FashionMNIST32'

train_pipeline = [
    dict(type='mmpretrain.RandomCrop', crop_size=32, padding=2),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]
test_pipeline = [dict(type='mmpretrain.PackInputs')]

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    dataset=dict(type=dataset_type, split='train', pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=dict(type=dataset_type, split='test', pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
