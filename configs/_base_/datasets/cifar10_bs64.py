_base_ = ['./cifar100_bs64.py']

dataset_type = 'CIFAR10'
data_root = 'data/cifar10'
data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=10,
    mean=[125.307, 122.961, 113.8575],
    std=[51.5865, 50.847, 51.255],
    to_rgb=False)

train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
