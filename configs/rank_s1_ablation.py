# Ablation of the DisWOT score's settings on the published S1 KD table
# (ResNet110 teacher): repeats, minibatch, teacher, init; 3 seeds each.
#   python tools/analysis/rank_correlation.py configs/rank_s1_ablation.py
# Names: <teacher>_<init>_<minibatch>_x<repeats>; b20 = the 20 embedded
# CIFAR-100 test images, aug64 = 64 images made from them with the official
# code's train-time augmentation (crop 32 pad 4, flip), seeded.
_base_ = [
    './rank_s1_cifar100.py',
    './_base_/datasets/cifar100_samples_aug64.py',
]

b20 = dict(
    type='DisWOTEstimator',
    teacher='{{ fileDirname }}/_base_/models/resnet110_cifar.py',
    init='gaussian',
    semantic='grad',
    dataloader=None,  # the 20 embedded images
    repeats=1)
aug64 = dict(b20, dataloader={{_base_.minibatch_dataloader}})
r56 = '{{ fileDirname }}/_base_/models/resnet56_cifar.py'

rank_cfg = dict(
    estimators=dict(
        _delete_=True,
        r110_gauss_b20_x1=b20,
        r110_gauss_b20_x3=dict(b20, repeats=3),
        r110_gauss_b20_x5=dict(b20, repeats=5),
        r110_gauss_aug64_x1=aug64,
        r110_gauss_aug64_x3=dict(aug64, repeats=3),
        r110_gauss_aug64_x5=dict(aug64, repeats=5),
        r56_gauss_b20_x1=dict(b20, teacher=r56),
        r56_gauss_b20_x3=dict(b20, teacher=r56, repeats=3),
        r110_default_b20_x1=dict(b20, init='default'),
        r110_default_b20_x3=dict(b20, init='default', repeats=3),
        params=dict(type='ParamsEstimator'),
    ))
