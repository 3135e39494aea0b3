# Rank correlation on the published S1 ground truth (CIFAR-100 top-1 after KD
# from ResNet110): DisWOT with ResNet110 and ResNet56 teachers, zero-cost
# proxies and a-priori equal-weight ensembles, 3 seeds; with the vanilla
# ground truth, also the taus with vanilla accuracy, KD gain and KD residual.
#   python tools/analysis/rank_correlation.py configs/rank_s1_cifar100.py
_base_ = [
    './diswot_cifar100.py', './_base_/estimators/az_diswot_terms.py',
    './_base_/estimators/newer_proxies.py',
    './_base_/estimators/diswot_ensembles.py'
]

diswot = {{_base_.train_cfg.estimator}}
params = dict(type='ParamsEstimator')
snip = dict(type='SNIPEstimator')
zico = dict(type='ZiCoEstimator')
az_nas = dict(type='AZNASEstimator')
# the teacher-aware aggregate (issue 34): AZ-NAS's log-rank aggregation over
# its four terms and DisWOT's two, equal weights, fixed a priori
az_diswot = dict(
    type='EnsembleEstimator',
    mode='log_rank',
    estimators=dict(diswot=diswot, az=az_nas),
    terms=_base_.az_diswot_terms)

rank_cfg = dict(
    ground_truth='{{ fileDirname }}/../data/benchmarks/'
    'diswot_s1_gt_kd.txt',
    # the same 64 students trained alone: which ones gain from KD (issue 25)
    vanilla_ground_truth='{{ fileDirname }}/../data/benchmarks/'
    'diswot_s1_gt_cls.txt',
    residual_plot=['diswot_r110', 'params', 'snip', 'zico', 'naswot'],
    seeds=[0, 1, 2],
    # params budgets (M) of the regret: 0.1, 0.15, ..., 0.7
    budgets=[
        0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7
    ],
    estimators=dict(
        diswot_r110=diswot,
        # the width-independent semantic term (Grad-CAM class similarity,
        # N x N), next to "grad" where both apply
        diswot_r110_class=dict(_base_.train_cfg.estimator, semantic='class'),
        diswot_r56=dict(
            type='DisWOTEstimator',
            teacher='{{ fileDirname }}/_base_/models/resnet56_cifar.py',
            repeats=5),  # otherwise as diswot_cifar100.py's
        params=params,
        flops=dict(type='FlopsEstimator'),
        grad_norm=dict(type='GradNormEstimator'),
        snip=snip,
        synflow=dict(type='SynFlowEstimator'),
        naswot=dict(type='NASWOTEstimator'),
        jacob_cov=dict(type='JacobCovEstimator'),
        zen=dict(type='ZenEstimator'),
        zico=zico,
        # ensembles: fixed equal weights, never fitted on this table
        **{
            name:
            dict(ens, estimators=dict(diswot=diswot, **ens['estimators']))
            for name, ens in _base_.diswot_ensembles.items()
        },
        # issue 34: the proxies NASLib's NAS-Bench-Suite-Zero has and we
        # lacked, the newer ones, and the teacher-aware aggregate
        **_base_.newer_proxies,
        # SWAP's size regulariser centred on the search's budget (0.5 M),
        # e^-1 at half of it: mu, sigma in K params, a priori
        swap_reg=dict(type='SWAPEstimator', mu=500, sigma=250**2),
        az_nas=az_nas,
        az_diswot=az_diswot,
        az_diswot_params=dict(
            az_diswot,
            estimators=dict(diswot=diswot, az=az_nas, params=params),
            terms=dict(az_diswot['terms'], params='params.score')),
    ))
