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
import csv
import json
import os.path as osp
import time

from mmengine.utils import mkdir_or_exist

import diswot_mm  # noqa: F401
from diswot_mm.analysis import (budget_regret, kd_residual, load_ground_truth,
                                rank_correlations, regret_summary,
                                teacher_awareness)
from diswot_mm.apis.cli import add_common_args, load_config
from diswot_mm.datasets import (apply_sample_fallback, dataset_cache,
                                describe_minibatches)
from diswot_mm.models.mutables import to_single_path
from diswot_mm.models.search_spaces import (alias_to_choices, arch_codec,
                                            name_unaliased_mutables,
                                            subnet_network)
from diswot_mm.models.task_modules.estimators import (EnsembleEstimator,
                                                      fill_minibatch)
from diswot_mm.registry import TASK_UTILS, build_in_scope, get_in_scope
from diswot_mm.utils.progress import track
from diswot_mm.utils.stats import mean_std

#: Extra rankings from the terms of a DisWOT score (lower distance = better).
DISWOT_TERMS = ('semantic', 'relation')
#: Taus with a vanilla ground truth (diswot_mm.analysis.teacher_awareness).
AWARENESS = ('tau_vanilla', 'tau_kd_gain', 'tau_kd_residual')


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


def score_all(supernet, estimator, archs):
    codec = arch_codec(supernet.architecture.backbone, supernet.mutator)
    results = []
    for arch in track(archs, desc='scoring'):
        supernet.mutator.set_choices(
            alias_to_choices(supernet.mutator, codec.decode(arch)))
        network, sliced = subnet_network(supernet)  # channel supernets
        results.append(
            estimator.score(network if sliced else supernet, key=arch))
    return results


def main():
    args = parse_args()
    cfg = load_config(args)
    rank_cfg = cfg.rank_cfg
    truth = load_ground_truth(
        args.ground_truth or rank_cfg.ground_truth, args.accuracy_column
        or rank_cfg.get('accuracy_column'))
    archs = sorted(truth)
    accuracies = [truth[a] for a in archs]
    vanilla = load_vanilla(args, rank_cfg, truth)
    mkdir_or_exist(cfg.work_dir)
    supernet = build_in_scope(cfg.model)
    name_unaliased_mutables(supernet.architecture)  # as the search does
    to_single_path(supernet.architecture)
    params_proxy = build_in_scope(dict(type='ParamsEstimator'), TASK_UTILS)
    params = [r['params'] for r in score_all(supernet, params_proxy, archs)]
    position = {arch: i for i, arch in enumerate(archs)}

    estimators = dict(rank_cfg.estimators)
    if args.estimators:
        unknown = sorted(set(args.estimators) - set(estimators))
        if unknown:
            raise SystemExit(f'--estimators: {unknown} are not in '
                             f'rank_cfg.estimators of {args.config}; it has '
                             f'{sorted(estimators)}.')
        estimators = {n: estimators[n] for n in args.estimators}
    if args.scores:
        rows, minibatches = load_scores(cfg, args.scores, archs, params,
                                        args.estimators)
    else:
        rows, minibatches = score_rows(cfg, supernet, estimators, archs,
                                       params)
    for row in rows:  # the ground truth given now
        i = position[row['arch']]
        row['accuracy'] = accuracies[i]
        if vanilla is not None:
            row['vanilla'] = vanilla[i]
    table, regrets = rank_table(rows, archs, accuracies, params, vanilla,
                                rank_cfg.budgets)
    write_outputs(cfg.work_dir, rank_cfg, table, regrets, rows, archs,
                  accuracies, vanilla, minibatches)


def prepare(cfg, name: str, est_cfg: dict, seed: int) -> dict:
    """The config an estimator of ``rank_cfg`` is built from for ``seed``:
    the rank config's minibatch where it sets none, the search config's
    sample fallback (checked, applied where allowed)."""
    est_cfg = dict(
        fill_minibatch(est_cfg, **cfg.rank_cfg.get('minibatch', {})),
        seed=seed)
    apply_sample_fallback(
        est_cfg,
        cfg.get('train_cfg', {}).get('sample_fallback'),
        key=f'rank_cfg.estimators.{name}')
    return est_cfg


def config_key(est_cfg: dict) -> str:
    """What identifies an estimator config (its scores are reused)."""
    return json.dumps(est_cfg, sort_keys=True, default=str)


def score_rows(cfg, supernet, estimators: dict, archs: list,
               params: list) -> tuple:
    """Score every arch with each estimator config, for each seed of
    ``cfg.rank_cfg``. An ensemble member whose config (seed and minibatch
    included) is also an estimator of the table is scored once: the
    ensemble merges those results (:meth:`EnsembleEstimator.merge`).

    Returns:
        tuple: rows (estimator, seed, arch, params, score, the DisWOT terms
        where the estimator has them, seconds of that estimator and seed,
        ``outputs``: every output as JSON, what a population-relative
        score is combined from) and, per estimator, what its scores were
        computed on.
    """
    rows, minibatches, done = [], {}, {}
    for name, est_cfg in estimators.items():
        for seed in cfg.rank_cfg.get('seeds', [0]):
            start = time.perf_counter()
            est_cfg = prepare(cfg, name, est_cfg, seed)
            with dataset_cache():  # checked, then loaded: built once
                estimator = build_in_scope(est_cfg, TASK_UTILS)
            minibatches[name] = estimator.minibatch_info
            print(f'{name} (seed {seed}), scores computed on: ' +
                  describe_minibatches(minibatches[name]))
            if isinstance(estimator, EnsembleEstimator):
                members = {}
                for member, scorer in estimator.members.items():
                    key = config_key(estimator.member_cfgs[member])
                    if key not in done:
                        done[key] = score_all(supernet, scorer, archs)
                    members[member] = done[key]
                results = [
                    estimator.merge({m: members[m][i]
                                     for m in members})
                    for i in range(len(archs))
                ]
            else:
                results = score_all(supernet, estimator, archs)
            done[config_key(est_cfg)] = results
            seconds = time.perf_counter() - start
            rows += make_rows(name, seed, estimator, archs, params, results,
                              seconds)
    return rows, minibatches


def make_rows(name: str, seed: int, estimator, archs: list, params: list,
              results: list, seconds: float) -> list:
    """The rows of one estimator and seed (see :func:`score_rows`); a
    population-relative score is combined over all ``archs``."""
    main_key = estimator.score_name
    scores = (
        estimator.combine(results)
        if estimator.population_relative else [r[main_key] for r in results])
    return [
        dict(
            estimator=name,
            seed=seed,
            arch=arch,
            params=p,
            score=score,
            **{t: r[t]
               for t in DISWOT_TERMS if t in r},
            seconds=seconds,
            outputs=json.dumps(r))
        for arch, p, r, score in zip(archs, params, results, scores)
    ]


def load_scores(cfg,
                paths: list,
                archs: list,
                params: list,
                names=None) -> tuple:
    """The rows of earlier runs' ``scores.csv`` (of the estimators
    ``names``, default all; several files: e.g. shards of the archs) and
    what they were computed on (the first file's
    ``rank_correlation.json``), for :func:`rank_table`. Population-relative
    scores (ensembles, AZ-NAS) are combined again over ``archs`` from the
    stored outputs, with the estimator of ``cfg.rank_cfg``.

    Raises:
        SystemExit: a missing file, an estimator not in them, an estimator
            and seed without a score for every arch of the ground truth, an
            arch scored twice, or #params of another space.
    """
    summary = osp.join(osp.dirname(paths[0]), 'rank_correlation.json')
    for needed in list(paths) + [summary]:
        if not osp.isfile(needed):
            raise SystemExit(f'--scores {needed}: it does not exist; give '
                             'the scores.csv of an earlier run, with the '
                             'rank_correlation.json written beside the '
                             'first.')
    stored = []
    for path in paths:
        with open(path, newline='') as f:
            stored += [
                r for r in csv.DictReader(f)
                if names is None or r['estimator'] in names
            ]
    found = {r['estimator'] for r in stored}
    missing = sorted(set(names or found) - found)
    if missing or not stored:
        raise SystemExit(f'--scores {paths} has no scores of {missing}.')
    unknown = sorted(found - set(cfg.rank_cfg.estimators))
    if unknown:
        raise SystemExit(f'--scores {paths}: {unknown} are not in '
                         'rank_cfg.estimators of the config given now.')
    position = {arch: i for i, arch in enumerate(archs)}
    rows = []
    for name, seed in sorted({(r['estimator'], int(r['seed']))
                              for r in stored}):
        mine = {}
        for r in stored:
            if r['estimator'] == name and int(r['seed']) == seed:
                if r['arch'] in mine:
                    raise SystemExit(f'--scores {paths}: {name} (seed '
                                     f'{seed}) scored {r["arch"]} twice.')
                mine[r['arch']] = r
        if not set(archs) <= set(mine):
            raise SystemExit(
                f'--scores {paths}: {name} (seed {seed}) has no score for '
                f'{sorted(set(archs) - set(mine))} of the ground truth; score '
                'them again (without --scores).')
        other = sorted(
            a for a in archs
            if abs(float(mine[a]['params']) - params[position[a]]) > 1e-6)
        if other:
            raise SystemExit(
                f'--scores {paths}: the #params of {other} differ from the '
                "config's: scores of another space or config.")
        picked = [mine[a] for a in archs]
        seconds = sum({float(r.get('seconds') or 'nan')
                       for r in picked})  # one figure a file
        est_cfg = cfg.rank_cfg.estimators[name]
        relative = get_in_scope(est_cfg['type'],
                                TASK_UTILS).population_relative
        if relative and not picked[0].get('outputs') and set(mine) != set(
                archs):  # the stored scores rank another population
            raise SystemExit(
                f'--scores {paths}: {name} is population-relative, scored '
                'on other archs by a version that did not keep its outputs: '
                'score it again (without --scores).')
        if relative and picked[0].get('outputs'):
            estimator = build_in_scope(
                prepare(cfg, name, est_cfg, seed), TASK_UTILS)
            rows += make_rows(name, seed, estimator, archs, params,
                              [json.loads(r['outputs']) for r in picked],
                              seconds)
            continue
        rows += [
            dict(
                estimator=name,
                arch=r['arch'],
                seed=seed,
                params=float(r['params']),
                score=float(r['score']),
                seconds=seconds,
                **{t: float(r[t])
                   for t in DISWOT_TERMS if r.get(t)},
                **({
                    'outputs': r['outputs']
                } if r.get('outputs') else {})) for r in picked
        ]
    with open(summary) as f:
        minibatches = json.load(f)['minibatch']
    print(f'Scores read from {", ".join(paths)}, not computed again.')
    return rows, {name: minibatches[name] for name in sorted(found)}


def rank_table(rows: list, archs: list, accuracies: list, params: list,
               vanilla, budgets: list) -> tuple:
    """Kendall tau / Spearman rho / Pearson r, budget regret and (with
    ``vanilla``) the teacher-awareness taus of each estimator and of its
    DisWOT terms, mean and std over the seeds of ``rows``.

    Returns:
        tuple: (table: ranking -> key -> (mean, std), plus ``seeds`` with
        the per-seed awareness taus; regrets: ranking -> budget -> mean).
    """
    table, regrets = {}, {}
    for name in dict.fromkeys(r['estimator'] for r in rows):
        per_seed = {}
        for seed in sorted({r['seed']
                            for r in rows if r['estimator'] == name}):
            mine = {
                r['arch']: r
                for r in rows if r['estimator'] == name and r['seed'] == seed
            }
            results = [mine[a] for a in archs]
            rankings = {name: [r['score'] for r in results]}
            for term in DISWOT_TERMS:
                if term in results[0]:
                    rankings[f'{name}.{term}'] = [-r[term] for r in results]
            for rank_name, scores in rankings.items():
                regret = budget_regret(archs, scores, accuracies, params,
                                       budgets)
                aware = {} if vanilla is None else teacher_awareness(
                    scores, accuracies, vanilla)
                per_seed.setdefault(rank_name, []).append(
                    dict(
                        **rank_correlations(scores, accuracies),
                        regret=regret,
                        **regret_summary(regret),
                        seconds=results[0]['seconds'],
                        **aware))
        for rank_name, runs in per_seed.items():
            keys = ('kendall', 'spearman', 'pearson', 'top10_precision',
                    'regret_mean', 'regret_max', 'seconds')
            if vanilla is not None:
                keys += AWARENESS
            table[rank_name] = {
                k: mean_std([run[k] for run in runs])
                for k in keys
            }
            if vanilla is not None:
                table[rank_name]['seeds'] = {
                    k: [run[k] for run in runs]
                    for k in AWARENESS
                }
            regrets[rank_name] = {
                b: mean_std([run['regret'][b] for run in runs])[0]
                for b in budgets
            }
    return table, regrets


def load_vanilla(args, rank_cfg, truth):
    """Vanilla accuracies in the order of ``sorted(truth)``, or None when
    neither --vanilla-ground-truth nor rank_cfg.vanilla_ground_truth is
    given; its archs must be those of the KD ground truth."""
    path = args.vanilla_ground_truth or rank_cfg.get('vanilla_ground_truth')
    if not path or path == 'none':
        return None
    plain = load_ground_truth(path)
    if set(plain) != set(truth):
        raise SystemExit(
            f'vanilla ground truth {path!r} and the KD ground truth differ '
            f'in archs: only KD {sorted(set(truth) - set(plain))}, only '
            f'vanilla {sorted(set(plain) - set(truth))}; give both for the '
            'same archs, or rank without one: --vanilla-ground-truth none.')
    return [plain[a] for a in sorted(truth)]


def markdown(rank_cfg, table, regrets, n_archs, minibatches) -> str:
    seeds = len(rank_cfg.get('seeds', [0]))
    budgets = rank_cfg.budgets
    lines = [
        'Scores computed on: ' +
        '; '.join(f'{name}: {describe_minibatches(info)}'
                  for name, info in minibatches.items()) + '.', '',
        f'{n_archs} architectures, {seeds} seed(s): mean (std). '
        'Regret: best affordable accuracy minus the pick\'s, mean and '
        f'worst over the params budgets {min(budgets)} ... '
        f'{max(budgets)} M ({len(budgets)} budgets).', '',
        '| estimator | Kendall tau | Spearman rho | Pearson r | top-10 % '
        'precision | regret mean | regret max | s / run |',
        '|---|---|---|---|---|---|---|---|'
    ]
    for name, row in sorted(
            table.items(), key=lambda kv: -kv[1]['kendall'][0]):
        cells = [
            f'{row[k][0]:.3f} ({row[k][1]:.3f})'
            for k in ('kendall', 'spearman', 'pearson', 'top10_precision')
        ] + [
            f'{row[k][0]:.2f} ({row[k][1]:.2f})'
            for k in ('regret_mean', 'regret_max')
        ]
        lines.append(f'| {name} | ' + ' | '.join(cells) +
                     f' | {row["seconds"][0]:.1f} |')
    lines += [
        '', 'Budget regret (best affordable accuracy minus the '
        "estimator's pick), by params budget (M):", '',
        '| estimator | ' + ' | '.join(f'<= {b}' for b in budgets) + ' |',
        '|---|' + '---|' * len(budgets)
    ]
    for name in sorted(regrets, key=lambda n: -table[n]['kendall'][0]):
        lines.append(f'| {name} | ' + ' | '.join(f'{regrets[name][b]:.2f}'
                                                 for b in budgets) + ' |')
    if 'tau_kd_residual' in next(iter(table.values())):
        lines += [
            '', 'Which students gain from distillation: Kendall tau '
            'with the KD accuracy, the vanilla accuracy, the KD gain '
            '(KD - vanilla) and the KD residual (KD minus the '
            'least-squares line of KD on vanilla), mean (std) over '
            'seeds; residual per seed last.', '',
            '| estimator | tau KD | tau vanilla | tau KD - vanilla | '
            'tau KD residual | residual per seed |',
            '|---|---|---|---|---|---|'
        ]
        for name, row in sorted(
                table.items(), key=lambda kv: -kv[1]['tau_kd_residual'][0]):
            cells = [
                f'{row[k][0]:.3f} ({row[k][1]:.3f})'
                for k in ('kendall', ) + AWARENESS
            ]
            seeds = ', '.join(f'{v:.3f}'
                              for v in row['seeds']['tau_kd_residual'])
            lines.append(f'| {name} | ' + ' | '.join(cells) + f' | {seeds} |')
    return '\n'.join(lines) + '\n'


def write_outputs(work_dir, rank_cfg, table, regrets, rows, archs, accuracies,
                  vanilla, minibatches):
    text = markdown(rank_cfg, table, regrets, len(archs), minibatches)
    print(text)
    with open(osp.join(work_dir, 'rank_correlation.md'), 'w') as f:
        f.write(text)
    with open(osp.join(work_dir, 'rank_correlation.json'), 'w') as f:
        json.dump(
            dict(correlations=table, regret=regrets, minibatch=minibatches),
            f,
            indent=1,
            allow_nan=True)
    with open(osp.join(work_dir, 'scores.csv'), 'w', newline='') as f:
        fields = [
            'estimator', 'seed', 'arch', 'accuracy', 'params', 'score',
            *DISWOT_TERMS, 'seconds'
        ] + ([] if vanilla is None else ['vanilla']) + ['outputs']
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    plot_scatter(work_dir, rows, table, 'accuracy', 'kendall', 'scatter.png')
    saved = 'scatter.png'
    if vanilla is not None:
        residual = dict(zip(archs, kd_residual(accuracies, vanilla)))
        ran = {r['estimator'] for r in rows}
        names = set(rank_cfg.get('residual_plot') or ran) & ran
        if names:
            plot_scatter(work_dir, [
                dict(r, kd_residual=residual[r['arch']])
                for r in rows if r['estimator'] in names
            ], table, 'kd_residual', 'tau_kd_residual', 'kd_residual.png')
            saved += ', kd_residual.png'
    print(f'Saved rank_correlation.md/.json, scores.csv, {saved} in '
          f'{work_dir}')


def plot_scatter(work_dir, rows, table, target, tau_key, filename):
    """One panel per estimator: ``row[target]`` against the score of its
    first seed, titled with ``table[estimator][tau_key]``."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = sorted({r['estimator'] for r in rows})
    cols = min(4, len(names))
    fig, axes = plt.subplots(
        (len(names) + cols - 1) // cols,
        cols,
        figsize=(3.6 * cols, 3 * ((len(names) + cols - 1) // cols)),
        squeeze=False)
    for ax, name in zip(axes.flat, names):
        first_seed = min(r['seed'] for r in rows if r['estimator'] == name)
        pts = [
            r for r in rows
            if r['estimator'] == name and r['seed'] == first_seed
        ]
        ax.scatter([r['score'] for r in pts], [r[target] for r in pts], s=10)
        ax.set_title(f'{name}: tau={table[name][tau_key][0]:.3f}', fontsize=9)
        ax.set_xlabel('score', fontsize=8)
        ax.set_ylabel(target, fontsize=8)
    for ax in list(axes.flat)[len(names):]:
        ax.axis('off')
    fig.tight_layout()
    fig.savefig(osp.join(work_dir, filename), dpi=110)
    plt.close(fig)


if __name__ == '__main__':
    main()
