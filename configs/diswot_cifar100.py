# DisWOT training-free search on CIFAR-100: ResNet110 teacher, S1 space
# (blocks per stage in {1,3,5,7}), Gaussian init as in the paper.
#   python tools/search.py configs/diswot_cifar100.py
# Scores on one test minibatch of data/cifar100 (64 images); when that is not
# on disk, on the 20 CIFAR-100 images embedded in diswot_mm (logged).
_base_ = [
    './_base_/models/s1_cifar_resnet_supernet.py',
    './_base_/default_runtime.py',
]

search_cfg = dict(
    type='TrainingFreeSearchLoop',
    estimator=dict(
        type='DisWOTEstimator',
        teacher='configs/_base_/models/resnet110_cifar.py',
        teacher_ckpt=None,  # a trained teacher: teacher_init='pretrained'
        init='gaussian',
        semantic='grad',  # 'cam' when teacher/student final widths differ
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
    score_key='diswot',
    max_epochs=20,
    num_candidates=20,
    top_k=5,
    num_mutation=8,
    num_crossover=8,
    mutate_prob=0.1,
    crossover_prob=0.5,
    constraints_range=dict(params=(0, 0.5)),  # M params
    resource_estimator=dict(
        type='ActivePathResourceEstimator', input_shape=(1, 3, 32, 32)),
    seed=0)

# tools/search.py writes work_dir/distill_<name>.py: each config below with
# the chosen student, ready for tools/dist_train.sh.
distill_configs = dict(
    diswot='configs/distill/kd_resnet110_resnet20_cifar100.py',
    diswot_plus='configs/distill/diswot_plus_resnet110_resnet20_cifar100.py')
