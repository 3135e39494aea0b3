"""The rank tool's table and outputs: Kendall tau / Spearman rho / Pearson
r, top-10 % precision, budget regret and teacher awareness per estimator
(mean and std over seeds), as markdown, JSON, CSV and scatter plots."""
import csv
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from diswot_mm.datasets import describe_minibatches
from diswot_mm.utils.stats import mean_std
from .rank_correlation import (budget_regret, kd_residual, load_ground_truth,
                               rank_correlations, regret_summary,
                               teacher_awareness)
from .rank_scores import DISWOT_TERMS

#: Taus with a vanilla ground truth (:func:`teacher_awareness`).
AWARENESS = ('tau_vanilla', 'tau_kd_gain', 'tau_kd_residual')


def rank_table(rows: List[dict], archs: List[str], accuracies: List[float],
               params: List[float], vanilla: Optional[List[float]],
               budgets: Sequence[float]) -> Tuple[dict, dict]:
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


def load_vanilla(path: Optional[str],
                 truth: Dict[str, float]) -> Optional[List[float]]:
    """The vanilla accuracies of ``path`` (a ground truth of the same
    archs trained without a teacher) in the order of ``sorted(truth)``;
    None for no path or ``'none'``.

    Raises:
        ValueError: its archs are not those of ``truth``.
    """
    if not path or path == 'none':
        return None
    plain = load_ground_truth(path)
    if set(plain) != set(truth):
        raise ValueError(
            f'vanilla ground truth {path!r} and the KD ground truth differ '
            f'in archs: only KD {sorted(set(truth) - set(plain))}, only '
            f'vanilla {sorted(set(plain) - set(truth))}; give both for the '
            'same archs, or rank without one: --vanilla-ground-truth none.')
    return [plain[a] for a in sorted(truth)]


def _cell(mean_and_std: Tuple[float, float], digits: int) -> str:
    """``'mean (std)'`` with ``digits`` decimals."""
    mean, std = mean_and_std
    return f'{mean:.{digits}f} ({std:.{digits}f})'


def markdown(rank_cfg, table: dict, regrets: dict, n_archs: int, n_seeds: int,
             minibatches: Dict[str, dict]) -> str:
    """The tables of :func:`rank_table` as markdown, best tau first."""
    budgets = rank_cfg.budgets
    lines = [
        'Scores computed on: ' +
        '; '.join(f'{name}: {describe_minibatches(info)}'
                  for name, info in minibatches.items()) + '.', '',
        f'{n_archs} architectures, {n_seeds} seed(s): mean (std). '
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
            _cell(row[k], 3)
            for k in ('kendall', 'spearman', 'pearson', 'top10_precision')
        ] + [_cell(row[k], 2) for k in ('regret_mean', 'regret_max')]
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
            cells = [_cell(row[k], 3) for k in ('kendall', ) + AWARENESS]
            seeds = ', '.join(f'{v:.3f}'
                              for v in row['seeds']['tau_kd_residual'])
            lines.append(f'| {name} | ' + ' | '.join(cells) + f' | {seeds} |')
    return '\n'.join(lines) + '\n'


def write_outputs(work_dir: str, rank_cfg, table: dict, regrets: dict,
                  rows: List[dict], archs: List[str], accuracies: List[float],
                  vanilla: Optional[List[float]],
                  minibatches: Dict[str, dict]) -> None:
    """Print the markdown; save rank_correlation.md / .json, scores.csv
    and the scatter plots in ``work_dir``."""
    # the seeds scored (or read back: --scores), not those of rank_cfg
    text = markdown(rank_cfg, table, regrets, len(archs),
                    len({r['seed']
                         for r in rows}), minibatches)
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


def plot_scatter(work_dir: str, rows: List[dict], table: dict, target: str,
                 tau_key: str, filename: str) -> None:
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
