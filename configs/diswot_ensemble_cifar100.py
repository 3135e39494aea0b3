# The DisWOT search of configs/diswot_cifar100.py ranked by an a-priori,
# equal-weight ensemble: mean rank of the DisWOT score and #params among the
# candidates held (re-ranked every generation).
#   python tools/search.py configs/diswot_ensemble_cifar100.py
_base_ = ['./diswot_cifar100.py']

search_cfg = dict(
    estimator=dict(
        _delete_=True,
        type='EnsembleEstimator',
        mode='rank',
        estimators=dict(
            diswot={{_base_.search_cfg.estimator}},
            params=dict(type='ParamsEstimator'))),
    score_key='ensemble')
