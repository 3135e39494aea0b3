"""benchmarks.rank_summary: one table over several rank-tool outputs."""
import json

import pytest

from benchmarks.rank_summary import parse_column, summary_table


def write(path, correlations):
    path.write_text(json.dumps(dict(correlations=correlations)))
    return str(path)


def test_summary_table_columns_rows_and_missing(tmp_path):
    a = write(
        tmp_path / 'a.json', {
            'params': dict(kendall=[0.5, 0.0], regret_mean=[1.234, 0.0]),
            'diswot': dict(kendall=[0.7, 0.0125], regret_mean=[0.5, 0.1])
        })
    b = write(tmp_path / 'b.json', {'params': dict(kendall=[-0.25, 0.0])})
    text = summary_table([
        parse_column(f'S1={a}'),
        parse_column(f'S1 regret={a}:regret_mean'),
        parse_column(f'NB={b}')
    ])
    assert text.splitlines() == [
        '| estimator | S1 | S1 regret | NB |', '|---|---|---|---|',
        '| diswot | 0.700 (0.013) | 0.50 (0.10) | - |',
        '| params | 0.500 (0.000) | 1.23 (0.00) | -0.250 (0.000) |'
    ]
    with pytest.raises(SystemExit, match='tau_kd_residual'):
        summary_table([parse_column(f'x={b}:tau_kd_residual')])
    with pytest.raises(SystemExit, match='LABEL=PATH'):
        parse_column('no-label')


def test_rename_merges_a_ground_truths_own_name_with_its_terms(tmp_path):
    a = write(
        tmp_path / 'a.json', {
            'diswot': dict(kendall=[0.5, 0.0]),
            'diswot.semantic': dict(kendall=[0.4, 0.0])
        })
    b = write(
        tmp_path / 'b.json', {
            'diswot_trained': dict(kendall=[0.3, 0.1]),
            'diswot_trained.semantic': dict(kendall=[0.2, 0.1])
        })
    text = summary_table([parse_column(f'A={a}'),
                          parse_column(f'B={b}')],
                         dict(diswot_trained='diswot'))
    assert text.splitlines()[2:] == [
        '| diswot | 0.500 (0.000) | 0.300 (0.100) |',
        '| diswot.semantic | 0.400 (0.000) | 0.200 (0.100) |'
    ]
