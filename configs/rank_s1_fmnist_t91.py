# Is DisWOT teacher-aware on real data? The S1 students within ResNet20's
# #params on Fashion-MNIST, each distilled from a 90.6 % ResNet56 (60,000
# images x 4 epochs) AND trained alone with the same recipe, 3 seeds
# (issue 25); written by
#   python -m benchmarks.fmnist_s1_kd_ground_truth --seeds 0 1 2 \
#       --losses kd vanilla --teacher-train-samples 60000 --teacher-epochs 4 \
#       --teacher-work-dir work_dirs/distill_ablation_long/teacher_60000x4e \
#       --work-dir work_dirs/fmnist_s1_gt_t91 \
#       --out data/benchmarks/fmnist_s1_t91 [--shard I/2]
# Taus with KD, vanilla, KD gain and KD residual; DisWOT with that trained
# teacher and with a random one.
#   python tools/analysis/rank_correlation.py configs/rank_s1_fmnist_t91.py
_base_ = [
    './rank_s1_fmnist.py', './_base_/estimators/az_diswot_terms.py',
    './_base_/estimators/newer_proxies.py',
    './_base_/estimators/diswot_ensembles.py'
]

# the ground truth's teacher (90.64 %), its weights committed beside it
trained = dict(teacher_ckpt='{{ fileDirname }}/../data/benchmarks/'
               'fmnist_s1_t91_teacher.pth')
# issue 34: the newer proxies and the teacher-aware aggregate (AZ-NAS's
# log-rank aggregation over its four terms and DisWOT's two, a priori) with
# this trained teacher; on the same 64 training images (minibatch below)
diswot_t91 = dict(_base_.diswot_trained, **trained)
az_nas = dict(type='AZNASEstimator')
params = dict(type='ParamsEstimator')
az_diswot = dict(
    type='EnsembleEstimator',
    mode='log_rank',
    estimators=dict(diswot=diswot_t91, az=az_nas),
    terms=_base_.az_diswot_terms)

rank_cfg = dict(
    ground_truth='{{ fileDirname }}/../data/benchmarks/'
    'fmnist_s1_t91.csv',
    vanilla_ground_truth='{{ fileDirname }}/../data/benchmarks/'
    'fmnist_s1_t91_vanilla.csv',
    residual_plot=[
        'diswot_trained', 'diswot_random', 'params', 'snip', 'zico', 'naswot'
    ],
    minibatch=_base_.fmnist,
    estimators=dict(
        diswot_trained=trained,
        ens_diswot_trained_params=dict(estimators=dict(diswot=trained)),
        ens_diswot_trained_zico=dict(estimators=dict(diswot=trained)),
        flops=dict(type='FlopsEstimator'),
        synflow=dict(type='SynFlowEstimator'),
        grad_norm=dict(type='GradNormEstimator'),
        jacob_cov=dict(type='JacobCovEstimator'),
        zen=dict(type='ZenEstimator'),
        # the S1 table's other DisWOT ensembles (equal weights, a priori)
        **{
            name.replace('diswot', 'diswot_trained'):
            dict(ens, estimators=dict(diswot=diswot_t91, **ens['estimators']))
            for name, ens in _base_.diswot_ensembles.items()
            if name in ('ens_diswot_params_z', 'ens_diswot_snip',
                        'ens_diswot_params_snip')
        },
        **_base_.newer_proxies,
        # centred on ResNet20's 0.27 M, the ground truth's budget
        swap_reg=dict(type='SWAPEstimator', mu=270, sigma=135**2),
        az_nas=az_nas,
        az_diswot=az_diswot,
        az_diswot_params=dict(
            az_diswot,
            estimators=dict(diswot=diswot_t91, az=az_nas, params=params),
            terms=dict(az_diswot['terms'], params='params.score'))))
