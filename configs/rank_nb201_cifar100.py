# Rank correlation on NAS-Bench-201 (NATS-Bench topology): 1,000 cells with
# their 200-epoch CIFAR-10 / CIFAR-100 / ImageNet16-120 test accuracy
# (data/benchmarks/nb201_dev1000_test_acc_200ep.csv);
# this config ranks the CIFAR-100 column, every cell scored on the 20 real
# CIFAR-100 test images embedded in diswot_mm (a 100-class network); DisWOT
# with a Gaussian ResNet110 teacher as configs/diswot_nb201_cifar100.py.
#   python tools/analysis/rank_correlation.py configs/rank_nb201_cifar100.py
# ImageNet16-120 (no such images here): the CIFAR-100 scores re-ranked
#   python tools/analysis/rank_correlation.py configs/rank_nb201_cifar100.py \
#       --scores work_dirs/rank_nb201_cifar100/scores.csv \
#       --accuracy-column imagenet16_120_test \
#       --work-dir work_dirs/rank_nb201_imagenet16
_base_ = [
    './diswot_nb201_cifar100.py', './_base_/estimators/az_diswot_terms.py',
    './_base_/estimators/newer_proxies.py',
    './_base_/estimators/diswot_ensembles.py'
]

# as the search's, on the minibatch below
diswot = dict(_base_.train_cfg.estimator, dataloader=None)
params = dict(type='ParamsEstimator')
az_nas = dict(type='AZNASEstimator')
az_diswot = dict(
    type='EnsembleEstimator',
    mode='log_rank',
    estimators=dict(diswot=diswot, az=az_nas),
    terms=_base_.az_diswot_terms)
# the same with the parameter count as a seventh term
az_diswot_params = dict(
    az_diswot,
    estimators=dict(az_diswot['estimators'], params=params),
    terms=dict(az_diswot['terms'], params='params.score'))

rank_cfg = dict(
    ground_truth='{{ fileDirname }}/../data/benchmarks/'
    'nb201_dev1000_test_acc_200ep.csv',
    accuracy_column='cifar100_test',
    seeds=[0, 1, 2],
    # params budgets (M) of the regret: 0.2, 0.3, ..., 1.5
    budgets=[0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.5],
    # the minibatch of every estimator that sets none
    minibatch=dict(
        dataloader=dict(
            batch_size=20,
            num_workers=0,
            dataset=dict(
                type='CIFARSamples',
                subset='cifar100',
                pipeline=[dict(type='mmpretrain.PackInputs')]),
            sampler=dict(type='DefaultSampler', shuffle=False))),
    estimators=dict(
        diswot=diswot,
        params=params,
        flops=dict(type='FlopsEstimator'),
        grad_norm=dict(type='GradNormEstimator'),
        snip=dict(type='SNIPEstimator'),
        synflow=dict(type='SynFlowEstimator'),
        naswot=dict(type='NASWOTEstimator'),
        jacob_cov=dict(type='JacobCovEstimator'),
        zen=dict(type='ZenEstimator'),
        zico=dict(type='ZiCoEstimator'),
        # the S1 table's DisWOT ensembles (equal weights, a priori)
        **{
            name:
            dict(ens, estimators=dict(diswot=diswot, **ens['estimators']))
            for name, ens in _base_.diswot_ensembles.items()
        },
        # NASLib's NAS-Bench-Suite-Zero proxies we lacked, and the newer ones
        **_base_.newer_proxies,
        # SWAP's size regulariser centred on the search's budget (1.6 M),
        # e^-1 at half of it: mu, sigma in K params, a priori
        swap_reg=dict(type='SWAPEstimator', mu=1600, sigma=800**2),
        az_nas=az_nas,
        # the teacher-aware aggregate: AZ-NAS's log-rank aggregation over
        # its four terms and DisWOT's two (docs/benchmarks.md)
        az_diswot=az_diswot,
        az_diswot_params=az_diswot_params,
    ))
