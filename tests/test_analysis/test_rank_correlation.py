"""The ground-truth reader and the teacher-awareness taus of the rank tool
against hand computations."""
import csv
import json
import os

import pytest
from conftest import REPO, kendall_tau_b, run_forked

from diswot_mm.analysis import (kd_residual, load_ground_truth,
                                rank_correlations, teacher_awareness,
                                top_precision)


def residual_by_hand(kd, vanilla):
    """KD - (a * vanilla + b), a and b of the least-squares line:
    a = sum((v - mean v)(k - mean k)) / sum((v - mean v)^2),
    b = mean k - a * mean v."""
    mv, mk = sum(vanilla) / len(vanilla), sum(kd) / len(kd)
    a = sum((v - mv) * (k - mk) for v, k in zip(vanilla, kd)) / sum(
        (v - mv)**2 for v in vanilla)
    b = mk - a * mv
    return [k - (a * v + b) for v, k in zip(vanilla, kd)]


KD = [61.0, 64.0, 66.5, 70.0, 69.0, 72.5]
VANILLA = [60.0, 62.0, 63.0, 68.5, 66.0, 71.0]
SCORES = [0.1, 0.9, 0.5, 0.2, 0.8, 0.4]


def test_kd_residual_is_kd_minus_the_least_squares_line():
    assert kd_residual(KD, VANILLA) == pytest.approx(
        residual_by_hand(KD, VANILLA))


def test_teacher_awareness_taus_by_hand():
    taus = teacher_awareness(SCORES, KD, VANILLA)
    gain = [k - v for k, v in zip(KD, VANILLA)]  # 1, 2, 3.5, 1.5, 3, 1.5
    assert taus == dict(
        tau_vanilla=pytest.approx(kendall_tau_b(SCORES, VANILLA)),
        tau_kd_gain=pytest.approx(kendall_tau_b(SCORES, gain)),
        tau_kd_residual=pytest.approx(
            kendall_tau_b(SCORES, residual_by_hand(KD, VANILLA))))
    # the scores follow the gains, not the vanilla accuracies
    assert taus['tau_kd_gain'] > 0.5 > 0 > taus['tau_vanilla']


@pytest.mark.parametrize(
    'name', ['user_gt_arch_top1.csv', 'user_gt_Arch_Accuracy.csv'])
def test_ground_truth_reader_takes_common_column_names(name):
    truth = load_ground_truth(f'{REPO}/tests/data/{name}')
    assert truth == {'111': 60.0, '113': 63.0, '131': 64.0, '333': 69.0}


def test_ground_truth_reader_names_the_file_and_header(tmp_path):
    path = tmp_path / 'mine.csv'
    path.write_text('model,score\n111,60\n113,63\n131,64\n')
    with pytest.raises(ValueError) as error:
        load_ground_truth(str(path))
    message = str(error.value)
    assert 'mine.csv' in message and "['model', 'score']" in message
    assert "'arch'" in message and "'top1'" in message


@pytest.mark.subprocess
def test_rank_tool_reports_teacher_awareness(tmp_path):
    result = run_forked([
        'tools/analysis/rank_correlation.py', 'tests/data/rank_toy.py',
        '--work-dir',
        str(tmp_path), '--estimators', 'params', 'snip',
        '--vanilla-ground-truth', 'tests/data/toy_vanilla_ground_truth.csv'
    ],
                        env=dict(os.environ, PYTHONWARNINGS='ignore'))
    assert result.returncode == 0, result.stderr[-3000:]
    kd = load_ground_truth(f'{REPO}/tests/data/toy_ground_truth.csv')
    plain = load_ground_truth(
        f'{REPO}/tests/data/toy_vanilla_ground_truth.csv')
    archs = sorted(kd)
    residual = dict(
        zip(
            archs,
            residual_by_hand([kd[a] for a in archs],
                             [plain[a] for a in archs])))
    rows = list(csv.DictReader(open(tmp_path / 'scores.csv')))
    summary = json.load(open(tmp_path / 'rank_correlation.json'))
    table = (tmp_path / 'rank_correlation.md').read_text()
    for name in ('params', 'snip'):
        mine = sorted((r for r in rows if r['estimator'] == name),
                      key=lambda r: r['arch'])
        scores = [float(r['score']) for r in mine]
        expected = dict(
            tau_vanilla=kendall_tau_b(scores, [plain[a] for a in archs]),
            tau_kd_gain=kendall_tau_b(scores,
                                      [kd[a] - plain[a] for a in archs]),
            tau_kd_residual=kendall_tau_b(scores,
                                          [residual[a] for a in archs]))
        row = summary['correlations'][name]
        for key, value in expected.items():
            assert row[key] == [pytest.approx(value), 0.0]
        assert (f'{expected["tau_kd_residual"]:.3f} (0.000) | '
                f'{expected["tau_kd_residual"]:.3f} |') in table
    assert (tmp_path / 'kd_residual.png').stat().st_size > 10_000
    # what the scores were computed on, with the outputs (issue 22)
    snip_batch = summary['minibatch']['snip']['SNIPEstimator']
    assert snip_batch['dataset'] == 'CIFARSamples'
    assert snip_batch['embedded_sample'] is True
    assert snip_batch['images'] == snip_batch['input_shape'][0] > 0
    assert 'Scores computed on: params:' in table


@pytest.mark.subprocess
def test_rank_tool_refuses_a_vanilla_ground_truth_of_other_archs(tmp_path):
    result = run_forked([
        'tools/analysis/rank_correlation.py', 'tests/data/rank_toy.py',
        '--work-dir',
        str(tmp_path), '--estimators', 'params', '--vanilla-ground-truth',
        'tests/data/user_gt_arch_top1.csv'
    ],
                        env=dict(os.environ, PYTHONWARNINGS='ignore'))
    assert result.returncode != 0
    assert "only KD ['355', '557']" in result.stderr
    assert '--vanilla-ground-truth none' in result.stderr  # the way out


@pytest.mark.subprocess
def test_rank_tool_reranks_saved_scores_without_scoring(tmp_path):
    """--scores: an earlier run's scores against another ground truth
    (taus by hand), against the same one (the same table), and one clear
    error for a ground truth with archs it did not score."""
    first, again, other = (tmp_path / d for d in ('first', 'again', 'other'))
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    command = ['tools/analysis/rank_correlation.py', 'tests/data/rank_toy.py']
    result = run_forked(
        command + ['--work-dir',
                   str(first), '--estimators', 'params', 'snip'],
        env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    scores = str(first / 'scores.csv')
    result = run_forked(
        command + [
            '--work-dir',
            str(other), '--scores', scores, '--ground-truth',
            'tests/data/toy_vanilla_ground_truth.csv'
        ],
        env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'not computed again' in result.stdout
    truth = load_ground_truth(
        f'{REPO}/tests/data/toy_vanilla_ground_truth.csv')
    rows = list(csv.DictReader(open(scores)))
    summary = json.load(open(other / 'rank_correlation.json'))
    for name in ('params', 'snip'):
        mine = sorted((r for r in rows if r['estimator'] == name),
                      key=lambda r: r['arch'])
        assert summary['correlations'][name]['kendall'] == [
            pytest.approx(
                kendall_tau_b([float(r['score']) for r in mine],
                              [truth[r['arch']] for r in mine])), 0.0
        ]
    result = run_forked(  # the config's seeds: not those of the scores
        command + [
            '--work-dir',
            str(again), '--scores', scores, '--cfg-options',
            'rank_cfg.seeds=[0,1,2]'
        ],
        env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    before, after = (
        json.load(open(d / 'rank_correlation.json')) for d in (first, again))
    assert after == before
    assert ' architectures, 1 seed(s)' in (again /
                                           'rank_correlation.md').read_text()
    unscored = tmp_path / 'unscored.csv'  # 777: not in the toy scores
    unscored.write_text('arch,top1\n111,60.0\n113,63.0\n777,70.0\n')
    result = run_forked(
        command + [
            '--work-dir',
            str(tmp_path / 'refused'), '--scores', scores, '--ground-truth',
            str(unscored)
        ],
        env=env)
    assert result.returncode != 0
    assert "params (seed 0) has no score for ['777']" in result.stderr


def test_ground_truth_reader_column_and_duplicates(tmp_path):
    table = tmp_path / 'table.csv'
    table.write_text('nb201_index,arch_str,cifar10_test,cifar100_test\n'
                     '0,a,90.0,70.0\n1,b,91.0,69.0\n2,c,92.0,71.0\n')
    assert load_ground_truth(str(table), 'cifar100_test') == dict(
        a=70.0, b=69.0, c=71.0)
    with pytest.raises(ValueError, match='cifar10_tset'):
        load_ground_truth(str(table), 'cifar10_tset')
    lines = tmp_path / 'lines.txt'
    lines.write_text('111 60.0\n333 65.0\n111 61.0\n777 70.0\n')
    with pytest.raises(ValueError, match="'111' is listed twice"):
        load_ground_truth(str(lines))
    with pytest.raises(ValueError, match='drop accuracy_column'):
        load_ground_truth(str(lines), 'top1')


@pytest.mark.subprocess
def test_rank_tool_merges_shards_and_recombines_population_scores(tmp_path):
    """Two runs on halves of the archs, merged with --scores, give the
    table of one run on all of them: population-relative rankings (a
    log-rank aggregate, AZ-NAS) are combined again over all archs."""
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    command = [
        'tools/analysis/rank_correlation.py',
        'tests/data/rank_toy_aggregate.py', '--estimators', 'params', 'snip',
        'az_nas', 'aggregate'
    ]
    rows = open(f'{REPO}/tests/data/toy_ground_truth.csv').read().split()
    halves = []
    for i in (0, 1):
        half = tmp_path / f'half{i}.csv'
        half.write_text('\n'.join([rows[0]] + rows[1 + i::2]) + '\n')
        halves.append(half)
    runs = [tmp_path / name for name in ('all', 'half0', 'half1', 'merged')]
    for work_dir, truth in zip(runs[:3], [None] + halves):
        result = run_forked(
            command + ['--work-dir', str(work_dir)] +
            (['--ground-truth', str(truth)] if truth else []),
            env=env)
        assert result.returncode == 0, result.stderr[-3000:]
    result = run_forked(
        command + [
            '--work-dir',
            str(runs[3]), '--scores',
            str(runs[1] / 'scores.csv'),
            str(runs[2] / 'scores.csv')
        ],
        env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    whole, merged = (
        json.load(open(d / 'rank_correlation.json'))
        for d in (runs[0], runs[3]))
    for name in ('params', 'snip', 'az_nas', 'aggregate'):
        for key in ('kendall', 'spearman', 'regret_mean'):
            assert merged['correlations'][name][key] == pytest.approx(
                whole['correlations'][name][key]), (name, key)
    scores = list(csv.DictReader(open(runs[0] / 'scores.csv')))
    snip = {
        r['arch']: float(r['score'])
        for r in scores if r['estimator'] == 'snip'
    }
    for r in scores:
        if r['estimator'] == 'aggregate':
            assert json.loads(r['outputs'])['snip.score'] == snip[r['arch']]
    # a half's aggregate ranks among its own 3 archs: not the merged table
    half_rows = list(csv.DictReader(open(runs[1] / 'scores.csv')))
    whole_agg = {
        r['arch']: r['score']
        for r in scores if r['estimator'] == 'aggregate'
    }
    assert any(r['score'] != whole_agg[r['arch']] for r in half_rows
               if r['estimator'] == 'aggregate')


def test_top_10_percent_precision_by_hand():
    """20 archs: k = 2. The best two by accuracy are archs 19 and 18; a
    score that puts 19 and 0 on top finds one of them: 1 / 2."""
    accuracies = [float(i) for i in range(20)]
    perfect = rank_correlations(accuracies, accuracies)
    assert perfect['top10_precision'] == 1.0
    scores = [0.0] * 20
    scores[19], scores[0] = 2.0, 1.0
    assert rank_correlations(scores, accuracies)['top10_precision'] == 0.5
    reverse = [-a for a in accuracies]
    assert rank_correlations(reverse, accuracies)['top10_precision'] == 0.0
    # 25 archs: k = ceil(2.5) = 3
    assert top_precision(list(range(25)), list(range(25)), 0.1) == 1.0
    scores = list(range(25))
    scores[22] = -1  # the third best ranked last: 24, 23, 21 on top
    assert top_precision(scores, list(range(25)), 0.1) == pytest.approx(2 / 3)
