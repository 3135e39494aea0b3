"""Rank training-free estimators against ground-truth accuracies.

    python tools/analysis/rank_correlation.py configs/rank_s1_cifar100.py \
        [--ground-truth FILE]

Scores every architecture of the ground truth (arch in the space's naming: S1
digits, NAS-Bench-201 strings) with each estimator of ``rank_cfg``, for each
seed (``rank_cfg.minibatch``: the dataloader / data_preprocessor of every
estimator that scores on images and sets none); prints and saves Kendall tau /
Spearman rho / Pearson r (mean and std over seeds, also per DisWOT term), a
budget-regret table, scatter plots and a CSV of all scores in the work_dir.

With a vanilla ground truth (``rank_cfg.vanilla_ground_truth``: the same
architectures trained without a teacher) it also reports, per estimator and
seed, Kendall tau with the vanilla accuracy, with the KD gain (KD - vanilla)
and with the KD residual (KD minus the least-squares line of KD on vanilla):
does the score know which students gain from distillation? Plus a plot of the
KD residual against the score (``rank_cfg.residual_plot``: estimator names,
default all).
"""
import argparse

from mmengine.utils import mkdir_or_exist

import diswot_mm  # noqa: F401  (compat fixes, registries)
from diswot_mm.analysis import load_ground_truth
from diswot_mm.analysis.rank_report import (load_vanilla, rank_table,
                                            write_outputs)
from diswot_mm.analysis.rank_scores import load_scores, score_all, score_rows
from diswot_mm.apis.cli import add_common_args, load_config, run_tool
from diswot_mm.models.search_spaces import SearchSpace
from diswot_mm.registry import TASK_UTILS, build_in_scope


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'config', help='config with model (supernet) and '
        'rank_cfg')
    parser.add_argument(
        '--ground-truth',
        help='CSV with a header (arch / '
        'architecture / subnet and accuracy / acc / top1 / '
        'top-1, any case) or lines "ARCH ACC"; default: '
        'rank_cfg.ground_truth')
    parser.add_argument(
        '--accuracy-column',
        help='the ground truth\'s accuracy column, for a CSV of several '
        '(NAS-Bench-201: cifar10_test, cifar100_test, imagenet16_120_test); '
        'default: rank_cfg.accuracy_column, else one of the names above')
    parser.add_argument(
        '--vanilla-ground-truth',
        help='the same archs '
        'trained without a teacher (same formats); default: '
        'rank_cfg.vanilla_ground_truth, if any; "none": without one')
    parser.add_argument(
        '--scores',
        nargs='+',
        metavar='SCORES_CSV',
        help='rank the scores of an earlier run (its scores.csv, with its '
        'rank_correlation.json beside it; several: e.g. runs on parts of '
        'the archs) against the ground truth given now, without scoring '
        'again')
    parser.add_argument(
        '--estimators',
        nargs='+',
        metavar='NAME',
        help='rank only these entries of rank_cfg.estimators '
        '(default: all)')
    add_common_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args)
    rank_cfg = cfg.rank_cfg
    truth = load_ground_truth(
        args.ground_truth or rank_cfg.ground_truth, args.accuracy_column
        or rank_cfg.get('accuracy_column'))
    archs = sorted(truth)
    accuracies = [truth[a] for a in archs]
    vanilla = load_vanilla(
        args.vanilla_ground_truth or rank_cfg.get('vanilla_ground_truth'),
        truth)
    mkdir_or_exist(cfg.work_dir)
    space = SearchSpace(build_in_scope(cfg.model))
    params_proxy = build_in_scope(dict(type='ParamsEstimator'), TASK_UTILS)
    params = [r['params'] for r in score_all(space, params_proxy, archs)]
    position = {arch: i for i, arch in enumerate(archs)}

    estimators = dict(rank_cfg.estimators)
    if args.estimators:
        unknown = sorted(set(args.estimators) - set(estimators))
        if unknown:
            raise ValueError(f'--estimators: {unknown} are not in '
                             f'rank_cfg.estimators of {args.config}; it has '
                             f'{sorted(estimators)}.')
        estimators = {n: estimators[n] for n in args.estimators}
    if args.scores:
        rows, minibatches = load_scores(cfg, args.scores, archs, params,
                                        args.estimators)
    else:
        rows, minibatches = score_rows(cfg, space, estimators, archs, params)
    for row in rows:  # the ground truth given now
        i = position[row['arch']]
        row['accuracy'] = accuracies[i]
        if vanilla is not None:
            row['vanilla'] = vanilla[i]
    table, regrets = rank_table(rows, archs, accuracies, params, vanilla,
                                rank_cfg.budgets)
    write_outputs(cfg.work_dir, rank_cfg, table, regrets, rows, archs,
                  accuracies, vanilla, minibatches)


if __name__ == '__main__':
    run_tool(main)
