# The proxies of NASLib's NAS-Bench-Suite-Zero that the rank tables lacked
# (plain, l2_norm, fisher, grasp, epe_nas) and the newer MeCo and SWAP, each
# on the rank config's minibatch (rank_cfg.minibatch or the embedded sample).
newer_proxies = dict(
    plain=dict(type='PlainEstimator'),
    l2_norm=dict(type='L2NormEstimator'),
    fisher=dict(type='FisherEstimator'),
    grasp=dict(type='GraSPEstimator'),
    epe_nas=dict(type='EPENASEstimator'),
    meco=dict(type='MeCoEstimator'),
    swap=dict(type='SWAPEstimator'))
