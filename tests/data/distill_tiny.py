# A few iterations of DisWOT+ (ResNet20 teacher, random; ResNet8 student) on
# the embedded sample images.
_base_ = ['../../configs/distill/diswot_plus_resnet110_resnet20_cifar100.py']

model = dict(
    architecture=dict(backbone=dict(arch='resnet8')),
    teacher=dict(backbone=dict(arch='resnet20')),
    require_teacher_ckpt=False)
sample_dataset = dict(
    _delete_=True,
    type='CIFARSamples',
    subset='cifar100',
    pipeline=[dict(type='mmpretrain.PackInputs')])
train_dataloader = dict(batch_size=10, num_workers=0, dataset=sample_dataset)
val_dataloader = dict(batch_size=20, num_workers=0, dataset=sample_dataset)
test_dataloader = val_dataloader
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=2, val_interval=2)
param_scheduler = []
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(by_epoch=False, interval=2))
