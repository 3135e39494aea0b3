# DisWOT search over the NAS-Bench-201 cell space (15,625 cells) for a
# ResNet110 teacher on CIFAR-100; the official NB201 search used population
# 36 and one-op mutations.
_base_ = ['./diswot_cifar100.py']

model = dict(
    architecture=dict(
        backbone=dict(
            _delete_=True, type='NASBench201', channels=16, num_cells=5)))

train_cfg = dict(
    max_epochs=20,
    num_candidates=36,
    top_k=8,
    num_mutation=18,
    num_crossover=12,
    mutate_prob=1 / 6,  # about one of the 6 edges per mutation
    constraints_range=dict(params=(0, 1.6)))  # M params; the largest cell
