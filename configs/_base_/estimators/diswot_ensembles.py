# The DisWOT ensembles of the rank tables: DisWOT with #params, SNIP and
# ZiCo, equal weights fixed a priori, never fitted on a table. A rank config
# puts its own DisWOT estimator first as the member 'diswot':
#   **{name: dict(ens, estimators=dict(diswot=diswot, **ens['estimators']))
#      for name, ens in _base_.diswot_ensembles.items()}
diswot_ensembles = dict(
    ens_diswot_params=dict(
        type='EnsembleEstimator',
        estimators=dict(params=dict(type='ParamsEstimator'))),
    ens_diswot_params_z=dict(
        type='EnsembleEstimator',
        mode='zscore',
        estimators=dict(params=dict(type='ParamsEstimator'))),
    ens_diswot_snip=dict(
        type='EnsembleEstimator',
        estimators=dict(snip=dict(type='SNIPEstimator'))),
    ens_diswot_zico=dict(
        type='EnsembleEstimator',
        estimators=dict(zico=dict(type='ZiCoEstimator'))),
    ens_diswot_params_snip=dict(
        type='EnsembleEstimator',
        estimators=dict(
            params=dict(type='ParamsEstimator'),
            snip=dict(type='SNIPEstimator'))))
