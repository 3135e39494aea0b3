# The proxies of NASLib's NAS-Bench-Suite-Zero that the rank tables lacked
# (plain, l2_norm, fisher, grasp, epe_nas) and the newer MeCo and SWAP, each
# on the rank config's minibatch (rank_cfg.minibatch or the embedded sample);
# AZ-NAS on noise as its authors run it.
newer_proxies = dict(
    plain=dict(type='PlainEstimator'),
    l2_norm=dict(type='L2NormEstimator'),
    fisher=dict(type='FisherEstimator'),
    grasp=dict(type='GraSPEstimator'),
    epe_nas=dict(type='EPENASEstimator'),
    meco=dict(type='MeCoEstimator'),
    swap=dict(type='SWAPEstimator'),
    # AZ-NAS as its authors' NB201 code runs it: on seeded N(0, 1) noise of
    # the images' shape (the rank configs' az_nas scores the images)
    az_nas_noise=dict(type='AZNASEstimator', noise_inputs=True))
