# The 20 real CIFAR-100 test images embedded in diswot_mm: no download. The
# default minibatch of the training-free search; too small to train on.
_base_ = ['./cifar100_bs64.py']

sample_dataset = dict(
    _delete_=True,
    type='CIFARSamples',
    subset='cifar100',
    pipeline=[dict(type='mmpretrain.PackInputs')])
train_dataloader = dict(batch_size=20, num_workers=0, dataset=sample_dataset)
val_dataloader = dict(batch_size=20, num_workers=0, dataset=sample_dataset)
test_dataloader = val_dataloader
