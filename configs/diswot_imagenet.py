# DisWOT search for an ImageNet ResNet34 teacher over the ResNet18-seeded
# space (width multiplier, blocks per stage, kernel per block); batch 32 at
# 224 as in the paper. Needs data/imagenet (mmpretrain ImageNet layout);
# without it, the 20 embedded CIFAR-100 images resized to 224 (smoke test).
_base_ = [
    './_base_/models/imagenet_resnet_supernet.py',
    './_base_/schedules/training_free_search.py',
    './_base_/default_runtime.py',
]

train_cfg = dict(
    estimator=dict(
        type='DisWOTEstimator',
        teacher='{{ fileDirname }}/_base_/models/resnet34_imagenet.py',
        init='gaussian',
        semantic='grad',  # final widths are equal (512) in this space
        dataloader=dict(
            batch_size=32,
            dataset=dict(
                type='mmpretrain.ImageNet',
                data_root='data/imagenet',
                split='val',
                pipeline=[
                    dict(type='mmpretrain.LoadImageFromFile'),
                    dict(
                        type='mmpretrain.ResizeEdge', scale=256, edge='short'),
                    dict(type='mmpretrain.CenterCrop', crop_size=224),
                    dict(type='mmpretrain.PackInputs'),
                ]),
            sampler=dict(type='DefaultSampler', shuffle=True)),
        data_preprocessor={{_base_.data_preprocessor}},
        repeats=5,  # as configs/diswot_cifar100.py (S1 ablation)
        seed=0),
    num_candidates=50,
    top_k=10,
    num_mutation=25,
    num_crossover=25,
    constraints_range=dict(flops=(0, 1900)),  # M FLOPs, about ResNet18's
    resource_estimator=dict(
        type='ActivePathResourceEstimator', input_shape=(1, 3, 224, 224)),
    # without data/imagenet on disk: the 20 embedded CIFAR-100 test images
    # resized to 224 (said in the log and the outputs)
    sample_fallback=dict(
        data_root='data/imagenet',
        dataloader=dict(
            batch_size=20,
            dataset=dict(
                type='CIFARSamples',
                subset='cifar100',
                pipeline=[
                    dict(type='mmpretrain.Resize', scale=224),
                    dict(type='mmpretrain.PackInputs'),
                ]),
            sampler=dict(type='DefaultSampler', shuffle=False))))

# tools/search.py writes work_dir/distill_<name>.py: each config below with
# the chosen student, ready for tools/dist_train.sh (ResNet34 teacher).
distill_configs = dict(
    diswot='{{ fileDirname }}/distill/kd_resnet34_resnet18_imagenet.py',
    diswot_plus='{{ fileDirname }}/distill/'
    'diswot_plus_resnet34_resnet18_imagenet.py')
