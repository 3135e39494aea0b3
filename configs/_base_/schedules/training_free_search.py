# The training-free search as an mmengine loop, run by the Runner from
# train_cfg as mmrazor's search configs are (tools/search.py CONFIG, or
# tools/train.py CONFIG). Leaf configs set the estimator and the constraints.
train_cfg = dict(
    type='TrainingFreeSearchLoop',
    score_key='diswot',
    max_epochs=20,
    num_candidates=20,
    top_k=5,
    num_mutation=8,
    num_crossover=8,
    mutate_prob=0.1,
    crossover_prob=0.5,
    resource_estimator=dict(
        type='ActivePathResourceEstimator', input_shape=(1, 3, 32, 32)),
    seed=0)

# best_fix_subnet.yaml, candidates.csv/json, score_vs_flops.png, student.py
# and distill_<name>.py (one per entry of the config's distill_configs).
custom_hooks = [dict(type='SearchReportHook')]

# mmengine's Runner builds a train loop only next to a train_dataloader and
# an optim_wrapper. A training-free search reads no training data (each
# estimator loads its own minibatch) and steps no optimizer: these two only
# satisfy the Runner (the optimizer is built, never stepped).
train_dataloader = dict(batch_size=1, dataset=dict(type='CIFARSamples'))
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.0))
