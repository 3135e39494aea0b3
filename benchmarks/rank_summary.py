"""One table of every estimator over several rank-tool runs (ground truths).

Each ``--column LABEL=PATH[:KEY]`` is a column: the rank tool's
``rank_correlation.json`` at PATH, its KEY (``kendall``, the default, or a
teacher-awareness tau such as ``tau_kd_residual``, or ``regret_mean``) as
mean (std over score seeds). Rows: every ranking that any column has
(estimators and DisWOT terms), sorted by the mean of the first column;
``--rename OLD=NEW`` puts a ranking of another name (e.g. a ground truth's
own DisWOT entry, ``diswot_trained``) in the row NEW (and its terms in
NEW.semantic ...).

    python -m benchmarks.rank_summary \\
        --column "S1 KD=work_dirs/rank_s1_all/rank_correlation.json" \\
        --column "S1 regret=work_dirs/rank_s1_all/rank_correlation.json\
:regret_mean"
"""
import argparse
import json
from typing import Dict, List, Optional, Tuple


def parse_column(text: str) -> Tuple[str, str, str]:
    """``LABEL=PATH[:KEY]`` -> (label, path, key)."""
    label, sep, rest = text.partition('=')
    if not sep or not label or not rest:
        raise SystemExit(f'--column {text!r}: expected LABEL=PATH[:KEY].')
    path, _, key = rest.partition(':')
    return label, path, key or 'kendall'


def summary_table(columns: List[Tuple[str, str, str]],
                  rename: Optional[Dict[str, str]] = None) -> str:
    """The markdown table of ``columns`` (label, json path, key), rows
    renamed by ``rename`` (old -> new, a ranking's terms with it)."""
    rename = rename or {}
    cells: Dict[str, Dict[str, str]] = {}
    first: Dict[str, float] = {}
    for i, (label, path, key) in enumerate(columns):
        with open(path) as f:
            table = json.load(f)['correlations']
        for name, row in table.items():
            base, dot, term = name.partition('.')
            name = rename.get(base, base) + dot + term
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
    parser.add_argument(
        '--rename',
        action='append',
        default=[],
        metavar='OLD=NEW',
        help='show the ranking OLD (of any column) in the row NEW')
    args = parser.parse_args()
    rename = dict(r.split('=', 1) for r in args.rename)
    print(
        summary_table([parse_column(c) for c in args.column], rename), end='')


if __name__ == '__main__':
    main()
