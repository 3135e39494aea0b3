# Rank correlation on a KD ground truth with a TRAINED teacher, on real data:
# every S1 student within ResNet20's #params distilled from the trained
# Fashion-MNIST ResNet56 of the end-to-end pipeline (written by
#   python -m benchmarks.fmnist_s1_kd_ground_truth
# which also trains the teacher). Does knowing the teacher help DisWOT?
#   python tools/analysis/rank_correlation.py configs/rank_s1_fmnist.py
_base_ = ['./e2e/search_fmnist.py']

fmnist = dict(  # 64 Fashion-MNIST training images, as the e2e search
    dataloader={{_base_.train_cfg.estimator.dataloader}},
    data_preprocessor={{_base_.train_cfg.estimator.data_preprocessor}})
diswot = dict(
    type='DisWOTEstimator',
    teacher='{{ fileDirname }}/e2e/teacher_resnet56_fmnist.py',
    repeats=5,  # as configs/diswot_cifar100.py
    **fmnist)
diswot_trained = dict(
    diswot,
    teacher_ckpt='work_dirs/e2e_fashion_mnist/teacher/epoch_6.pth',
    teacher_init='pretrained')
diswot_random = dict(diswot, teacher_init='gaussian')
params = dict(type='ParamsEstimator')

rank_cfg = dict(
    ground_truth='{{ fileDirname }}/../data/benchmarks/'
    'fmnist_s1_kd_resnet20_budget.csv',
    seeds=[0, 1, 2],
    budgets=[0.1, 0.125, 0.15, 0.175, 0.2, 0.225, 0.25, 0.275],  # M params
    estimators=dict(
        diswot_trained=diswot_trained,
        diswot_random=diswot_random,
        params=params,
        snip=dict(type='SNIPEstimator', **fmnist),
        naswot=dict(type='NASWOTEstimator', **fmnist),
        zico=dict(type='ZiCoEstimator', **fmnist),
        ens_diswot_trained_params=dict(
            type='EnsembleEstimator',
            estimators=dict(diswot=diswot_trained, params=params)),
        ens_diswot_trained_zico=dict(
            type='EnsembleEstimator',
            estimators=dict(
                diswot=diswot_trained,
                zico=dict(type='ZiCoEstimator', **fmnist))),
    ))
