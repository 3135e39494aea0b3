# Two iterations of a CIFAR ResNet8 on the embedded sample images.
_base_ = [
    '../../configs/_base_/models/resnet20_cifar.py',
    '../../configs/_base_/datasets/cifar100_samples.py',
    '../../configs/_base_/default_runtime.py',
]
model = dict(backbone=dict(arch='resnet8'))
train_dataloader = dict(batch_size=8, num_workers=0)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=2)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(by_epoch=False, interval=2, save_best=None))
randomness = dict(seed=0)
