# The toy rank config with two population-relative rankings: a log-rank
# aggregate of #params and SNIP (members also ranked alone) and AZ-NAS.
_base_ = ['./rank_toy.py']

rank_cfg = dict(
    estimators=dict(
        az_nas=dict(type='AZNASEstimator'),
        aggregate=dict(
            type='EnsembleEstimator',
            mode='log_rank',
            estimators=dict(
                params=dict(type='ParamsEstimator'),
                snip=dict(type='SNIPEstimator')))))
