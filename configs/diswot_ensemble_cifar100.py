# The DisWOT search of configs/diswot_cifar100.py ranked by an a-priori,
# equal-weight ensemble: mean rank of the DisWOT score and ZiCo among the
# candidates held (re-ranked every generation). On the published S1 table it
# is the DisWOT rule with the lowest budget regret (docs/benchmarks.md).
#   python tools/search.py configs/diswot_ensemble_cifar100.py
_base_ = ['./diswot_cifar100.py']

train_cfg = dict(
    estimator=dict(
        _delete_=True,
        type='EnsembleEstimator',
        mode='rank',
        # the search's minibatch for the members that set none (ZiCo)
        dataloader={{_base_.train_cfg.estimator.dataloader}},
        estimators=dict(
            diswot={{_base_.train_cfg.estimator}},
            zico=dict(type='ZiCoEstimator'))),
    score_key='ensemble')
