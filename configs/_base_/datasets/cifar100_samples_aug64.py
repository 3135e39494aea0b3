# A minibatch of 64 images made from the 20 embedded CIFAR-100 test images
# with the official DisWOT code's train-time augmentation (random crop 32 with
# padding 4, horizontal flip), seeded: the same 64 images on every rank.
minibatch_dataloader = dict(
    batch_size=64,
    dataset=dict(
        type='SeededAugmentedDataset',
        dataset=dict(type='CIFARSamples', subset='cifar100', pipeline=[]),
        num_samples=64,
        pipeline=[
            dict(type='mmpretrain.RandomCrop', crop_size=32, padding=4),
            dict(
                type='mmpretrain.RandomFlip', prob=0.5,
                direction='horizontal'),
            dict(type='mmpretrain.PackInputs'),
        ],
        seed=0),
    sampler=dict(type='DefaultSampler', shuffle=False))
