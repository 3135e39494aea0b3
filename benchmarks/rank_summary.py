"""One table of every estimator over several rank-tool runs (ground truths).

Each ``--column LABEL=PATH[:KEY]`` is a column: the rank tool's
``rank_correlation.json`` at PATH, its KEY (``kendall``, the default, or a
teacher-awareness tau such as ``tau_kd_residual``, or ``regret_mean``) as
mean (std over score seeds). Rows: every ranking that any column has
(estimators and DisWOT terms), sorted by the mean of the first column.

    python -m benchmarks.rank_summary \\
        --column "S1 KD=work_dirs/rank_s1_all/rank_correlation.json" \\
        --column "S1 regret=work_dirs/rank_s1_all/rank_correlation.json\
:regret_mean"
"""
import argparse
import json
from typing import Dict, List, Tuple


def parse_column(text: str) -> Tuple[str, str, str]:
    """``LABEL=PATH[:KEY]`` -> (label, path, key)."""
    label, sep, rest = text.partition('=')
    if not sep or not label or not rest:
        raise SystemExit(f'--column {text!r}: expected LABEL=PATH[:KEY].')
    path, _, key = rest.partition(':')
    return label, path, key or 'kendall'


def summary_table(columns: List[Tuple[str, str, str]]) -> str:
    """The markdown table of ``columns`` (label, json path, key)."""
    cells: Dict[str, Dict[str, str]] = {}
    first: Dict[str, float] = {}
    for i, (label, path, key) in enumerate(columns):
        with open(path) as f:
            table = json.load(f)['correlations']
        for name, row in table.items():
            if key not in row:
                raise SystemExit(f'{path} has no {key!r} for {name}; it has '
                                 f'{sorted(row)}.')
            mean, std = row[key]
            digits = 2 if key.startswith('regret') else 3
            cells.setdefault(
                name, {})[label] = (f'{mean:.{digits}f} ({std:.{digits}f})')
            if i == 0:
                first[name] = mean
    names = sorted(cells, key=lambda n: -first.get(n, float('-inf')))
    lines = [
        '| estimator | ' + ' | '.join(c[0] for c in columns) + ' |',
        '|---|' + '---|' * len(columns)
    ]
    for name in names:
        lines.append(f'| {name} | ' + ' | '.join(cells[name].get(c[0], '-')
                                                 for c in columns) + ' |')
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--column',
        action='append',
        required=True,
        help='LABEL=PATH[:KEY], repeated')
    args = parser.parse_args()
    print(summary_table([parse_column(c) for c in args.column]), end='')


if __name__ == '__main__':
    main()
