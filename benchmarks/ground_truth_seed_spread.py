"""How much of a rank table is the ground truth's own seed noise: the taus of
the rank tool's scores against each seed of a per-seed ground truth.

    python -m benchmarks.ground_truth_seed_spread \
        work_dirs/rank_s1_fmnist_t91/scores.csv \
        data/benchmarks/fmnist_s1_t91_runs.csv

``scores.csv``: written by ``tools/analysis/rank_correlation.py`` (columns
estimator, seed, arch, score). The runs CSV: one row per arch, loss (``kd``,
``vanilla``) and seed with its ``top1``, as
``benchmarks/fmnist_s1_kd_ground_truth.py`` writes it. Prints a markdown
table: per estimator, the Kendall tau of its score with each ground-truth
seed's KD accuracy, vanilla accuracy, KD gain (KD - vanilla) and KD residual
(mean over the score's seeds), as mean and std over the ground-truth seeds.
"""
import argparse
import csv
import statistics
from collections import defaultdict

from benchmarks.fmnist_s1_kd_ground_truth import truths_by_seed
from diswot_mm.analysis import rank_correlations
from diswot_mm.utils.stats import mean_std

COLUMNS = ('tau_kd', 'tau_vanilla', 'tau_kd_gain', 'tau_kd_residual')


def seed_taus(scores: dict, runs: list) -> dict:
    """Estimator -> column of :data:`COLUMNS` -> one tau per ground-truth
    seed (each the mean over the score's seeds), against the ground truths
    of :func:`~benchmarks.fmnist_s1_kd_ground_truth.truths_by_seed`.

    Args:
        scores: estimator -> score seed -> arch -> score.
        runs: dicts with arch, loss, seed, top1 (numbers or their strings,
            as read from the runs CSV).
    """
    truths = truths_by_seed(
        [dict(r, seed=int(r['seed']), top1=float(r['top1'])) for r in runs])
    table = {}
    for name, by_seed in scores.items():
        table[name] = {c: [] for c in COLUMNS}
        for truth in truths.values():
            for column in COLUMNS:
                target = truth[column[len('tau_'):]]
                taus = []
                for score in by_seed.values():
                    archs = sorted(set(score) & set(target))
                    taus.append(
                        rank_correlations([score[a] for a in archs],
                                          [target[a]
                                           for a in archs])['kendall'])
                table[name][column].append(statistics.mean(taus))
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('scores', help="the rank tool's scores.csv")
    parser.add_argument('runs', help='per-seed ground truth CSV')
    args = parser.parse_args()
    scores = defaultdict(lambda: defaultdict(dict))
    with open(args.scores) as f:
        for r in csv.DictReader(f):
            scores[r['estimator']][r['seed']][r['arch']] = float(r['score'])
    with open(args.runs) as f:
        table = seed_taus(scores, list(csv.DictReader(f)))
    print('| estimator | ' +
          ' | '.join(f'{c} (per ground-truth seed; mean, std)'
                     for c in COLUMNS) + ' |')
    print('|---' * (len(COLUMNS) + 1) + '|')
    for name, row in table.items():
        cells = []
        for column in COLUMNS:
            mean, std = mean_std(row[column])
            seeds = ', '.join(f'{t:.3f}' for t in row[column])
            cells.append(f'{seeds}; {mean:.3f} ({std:.3f})')
        print(f'| {name} | ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    main()
