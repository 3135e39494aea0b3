# The student of tests/data/distill_tiny.py (ResNet8) alone, tested on the
# embedded sample images.
_base_ = ['../../configs/students/resnet20_cifar100.py']

model = dict(backbone=dict(arch='resnet8'))
sample_dataset = dict(
    _delete_=True,
    type='CIFARSamples',
    subset='cifar100',
    pipeline=[dict(type='mmpretrain.PackInputs')])
test_dataloader = dict(batch_size=20, num_workers=0, dataset=sample_dataset)
