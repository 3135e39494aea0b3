# DisWOT training-free search on CIFAR-100: ResNet110 teacher, S1 space
# (blocks per stage in {1,3,5,7}), Gaussian init as in the paper.
#   python tools/search.py configs/diswot_cifar100.py
# Scores on one test minibatch of data/cifar100 (64 images); when that is not
# on disk, on the 20 CIFAR-100 images embedded in diswot_mm (sample_fallback).
# Other configs are named from this file's folder (mmengine's fileDirname), so
# the search runs from any working directory.
_base_ = [
    './_base_/models/s1_cifar_resnet_supernet.py',
    './_base_/schedules/training_free_search.py',
    './_base_/default_runtime.py',
]

train_cfg = dict(
    estimator=dict(
        type='DisWOTEstimator',
        teacher='{{ fileDirname }}/_base_/models/resnet110_cifar.py',
        teacher_ckpt=None,  # a trained teacher: teacher_init='pretrained'
        init='gaussian',
        semantic='grad',  # 'class' when teacher/student final widths differ
        semantic_weight=1.0,
        relation_weight=1.0,
        dataloader=dict(
            batch_size=64,
            num_workers=0,
            dataset=dict(
                type='CIFAR100',
                data_root='data/cifar100',
                split='test',
                pipeline=[dict(type='mmpretrain.PackInputs')]),
            sampler=dict(type='DefaultSampler', shuffle=True)),
        # 5 random inits averaged: S1 Kendall tau 0.655 vs 0.647 (3), 0.582
        # (1); docs/benchmarks.md, configs/rank_s1_ablation.py
        repeats=5,
        seed=0),
    constraints_range=dict(params=(0, 0.5)),  # M params
    # the demo: without data/cifar100 on disk, score on the 20 CIFAR-100
    # test images embedded in diswot_mm (said in the log and the outputs).
    # Any other missing data_root is an error.
    sample_fallback=dict(data_root='data/cifar100'))

# tools/search.py writes work_dir/distill_<name>.py: each config below with
# the chosen student, ready for tools/dist_train.sh.
distill_configs = dict(
    diswot='{{ fileDirname }}/distill/kd_resnet110_resnet20_cifar100.py',
    diswot_plus='{{ fileDirname }}/distill/'
    'diswot_plus_resnet110_resnet20_cifar100.py')
