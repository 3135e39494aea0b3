# The rank-correlation tool on a 6-architecture toy ground truth.
_base_ = ['../../configs/diswot_cifar100.py']

rank_cfg = dict(
    ground_truth='tests/data/toy_ground_truth.csv',
    seeds=[0],
    budgets=[0.2, 0.5],
    estimators=dict(
        params=dict(type='ParamsEstimator'),
        snip=dict(type='SNIPEstimator'),
        diswot=dict(
            type='DisWOTEstimator',
            teacher='configs/_base_/models/resnet20_cifar.py')))
