# The DisWOT search of configs/diswot_cifar100.py ranked by the teacher-aware
# aggregate: AZ-NAS's log-rank aggregation (Lee and Ham, CVPR 2024) over its
# four terms (expressivity, progressivity, trainability, FLOPs) and DisWOT's
# two teacher-aware distances, equal weights fixed a priori, re-ranked among
# the candidates held every generation. How it ranks on S1, Fashion-MNIST
# and NAS-Bench-201 next to #params: docs/benchmarks.md.
#   python tools/search.py configs/az_diswot_cifar100.py
_base_ = ['./diswot_cifar100.py', './_base_/estimators/az_diswot_terms.py']

train_cfg = dict(
    estimator=dict(
        _delete_=True,
        type='EnsembleEstimator',
        mode='log_rank',
        # the search's minibatch for the members that set none (AZ-NAS)
        dataloader={{_base_.train_cfg.estimator.dataloader}},
        estimators=dict(
            diswot={{_base_.train_cfg.estimator}},
            az=dict(type='AZNASEstimator')),
        terms=_base_.az_diswot_terms),
    score_key='ensemble')
