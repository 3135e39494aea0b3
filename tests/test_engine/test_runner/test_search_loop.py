"""tools/search.py end to end on the embedded sample: outputs, constraints,
2-process gloo, clear errors (SIGKILL and resume: test_search_state.py)."""
import json
import os
import subprocess
import sys

import pytest
import torch
import yaml
from conftest import REPO, free_port, once_per_session, run_forked
from mmengine.config import Config
from mmengine.registry import DefaultScope

from diswot_mm.registry import build_in_scope

CONFIG = 'configs/diswot_cifar100.py'
# 8 per generation over S1 (64 candidates, 45 within 0.5 M params): several
# generations before the space is exhausted; one initialisation per
# candidate, not the config's 5 (time; repeats are averaged in the
# estimator, tested there)
SMALL = [
    'train_cfg.num_candidates=8', 'train_cfg.top_k=3',
    'train_cfg.num_mutation=3', 'train_cfg.num_crossover=3',
    'train_cfg.estimator.repeats=1'
]


def search_cmd(work_dir, *options, resume=False):
    return [
        'tools/search.py', CONFIG, '--work-dir',
        str(work_dir), *(['--resume'] if resume else []), '--cfg-options',
        *SMALL, *options
    ]


def run(argv):
    """``python *argv`` (forked, see conftest.run_forked)."""
    return run_forked(argv, env=dict(os.environ, PYTHONWARNINGS='ignore'))


def records(work_dir):
    """The ``candidates.json`` of a finished search."""
    with open(work_dir / 'candidates.json') as f:
        return json.load(f)


def assert_same_candidates(got: dict, reference: dict) -> None:
    """Two finished searches' ``candidates.json``: the same best, the same
    candidates in the same order with the same keys, scores equal up to
    the float reduction order of 1 vs 2 BLAS threads per process."""
    assert got['best']['arch'] == reference['best']['arch']
    assert [c['arch'] for c in got['candidates']
            ] == [c['arch'] for c in reference['candidates']]
    for mine, ref in zip(got['candidates'], reference['candidates']):
        assert mine.keys() == ref.keys()
        assert {k: v for k, v in mine.items() if k != 'arch'} == \
            pytest.approx({k: v for k, v in ref.items() if k != 'arch'},
                          rel=1e-6)


def small_search(work_dir):
    result = run(search_cmd(work_dir))
    assert result.returncode == 0, result.stderr[-3000:]
    (work_dir / 'stdout.txt').write_text(result.stdout)
    (work_dir / 'stderr.txt').write_text(result.stderr)


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    """The work_dir of the SMALL search and its (stdout, stderr)."""
    work_dir = once_per_session(tmp_path_factory, 'search_small', small_search)
    return work_dir, ((work_dir / 'stdout.txt').read_text(),
                      (work_dir / 'stderr.txt').read_text())


@pytest.mark.subprocess
def test_search_writes_outputs_within_constraints(uninterrupted):
    work_dir, (stdout, stderr) = uninterrupted
    out = records(work_dir)
    cands = out['candidates']
    assert len(cands) == 45  # every feasible S1 student, none twice
    assert len({c['arch'] for c in cands}) == len(cands)
    assert all(c['params'] <= 0.5 for c in cands)
    best = max(cands, key=lambda c: c['score'])
    assert out['best']['arch'] == best['arch']
    assert f'Chosen student: {best["arch"]}' in stdout
    assert 'Search space exhausted' in stdout + stderr
    for c in cands:  # full precision, not mmrazor's 2 decimals
        assert c['score'] == pytest.approx(-(c['semantic'] + c['relation']))
    assert any(c['score'] != round(c['score'], 2) for c in cands)
    assert (work_dir / 'score_vs_flops.png').stat().st_size > 10_000
    # per-generation curves for the visualizer (LocalVisBackend: JSON lines)
    curves = [
        json.loads(line)
        for line in open(next(work_dir.glob('*/vis_data/scalars.json')))
    ]
    assert [c['step'] for c in curves] == list(range(1, len(curves) + 1))
    assert curves[-1]['search/scored'] == 45
    assert curves[-1]['search/best_score'] == pytest.approx(
        max(c['score'] for c in cands))
    assert all(c['search/ms_per_candidate'] > 0 for c in curves)
    subnet = yaml.safe_load(open(work_dir / 'best_fix_subnet.yaml'))
    assert ''.join(
        str(subnet[f'stage{i}_blocks']['chosen'])
        for i in (1, 2, 3)) == best['arch']
    # the generated student config builds the plain classifier
    student_cfg = Config.fromfile(work_dir / 'student.py')
    student = build_in_scope(student_cfg.model)
    n_params = sum(p.numel() for p in student.parameters()) / 1e6
    assert n_params == pytest.approx(best['params'], abs=1e-3)
    assert student(torch.zeros(2, 3, 32, 32), mode='tensor').shape == \
        (2, 100)
    # tools/test.py student.py CKPT: the first distillation config's test
    distill = Config.fromfile(
        f'{REPO}/configs/distill/kd_resnet110_resnet20_cifar100.py')
    for key in ('test_dataloader', 'test_evaluator', 'test_cfg'):
        assert student_cfg[key] == distill[key]


@pytest.mark.subprocess
def test_a_term_without_spread_is_a_warning_once(tmp_path):
    """The relation term at weight 1e-9 ranks nothing: the search says so
    once, after its candidates are scored."""
    result = run(
        search_cmd(tmp_path, 'train_cfg.max_epochs=1',
                   'train_cfg.estimator.relation_weight=1e-9'))
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert log.count('the relation term hardly moves the ranking: its std '
                     'across the 8 scored candidates') == 1
    assert 'effectively the semantic term alone' in log


@pytest.mark.subprocess
def test_two_process_gloo_equals_single_process(uninterrupted, tmp_path):
    env = dict(
        os.environ,
        PYTHON=sys.executable,
        PORT=free_port(),
        OMP_NUM_THREADS='1',
        PYTHONWARNINGS='ignore')
    cmd = [
        'bash', 'tools/dist_search.sh', CONFIG, '2', '--work-dir',
        str(tmp_path), '--cfg-options', *SMALL
    ]
    result = subprocess.run(
        cmd, cwd=REPO, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert_same_candidates(records(tmp_path), records(uninterrupted[0]))


@pytest.mark.subprocess
def test_slurm_two_tasks_equal_single_process(uninterrupted, tmp_path):
    """tools/slurm_search.sh with stand-ins for srun / scontrol that start
    2 local tasks with the SLURM_* variables of a job step."""
    fake = os.path.join(REPO, 'tests', 'data', 'fake_slurm')
    env = dict(
        os.environ,
        PYTHON=sys.executable,
        MASTER_PORT=free_port(),
        GPUS='2',
        OMP_NUM_THREADS='1',
        PYTHONWARNINGS='ignore',
        PATH=fake + os.pathsep + os.environ['PATH'])
    cmd = [
        'bash', 'tools/slurm_search.sh', 'debug', 'diswot', CONFIG,
        str(tmp_path), '--cfg-options', *SMALL
    ]
    result = subprocess.run(
        cmd, cwd=REPO, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert '--launcher slurm' in result.stderr  # set -x shows the command
    assert_same_candidates(records(tmp_path), records(uninterrupted[0]))


@pytest.mark.subprocess
def test_impossible_constraint_is_a_clear_error(tmp_path):
    result = run(
        search_cmd(tmp_path, 'train_cfg.constraints_range.params=[0,0.01]'))
    assert result.returncode != 0
    assert 'no candidate satisfies' in result.stderr
    assert 'smallest subnet' in result.stderr and 'Widen' in result.stderr


@pytest.mark.subprocess
def test_unknown_estimator_lists_registered_ones(tmp_path):
    result = run(
        search_cmd(tmp_path, 'train_cfg.estimator.type=NoSuchEstimator'))
    assert result.returncode != 0
    assert 'DisWOTEstimator' in result.stderr


@pytest.mark.subprocess
def test_a_whole_estimator_dict_on_the_command_line_is_a_clear_error(tmp_path):
    """mmengine reads a dict after '=' in --cfg-options as a list."""
    result = run(
        search_cmd(
            tmp_path, "train_cfg.estimator={'type':'AZNASEstimator',"
            "'noise_inputs':True}"))
    assert result.returncode == 1
    assert ('train_cfg.estimator must be an estimator config' in result.stderr)
    assert '--cfg-options train_cfg.estimator.type=NAME' in result.stderr
    assert 'Traceback' not in result.stderr


@pytest.mark.subprocess
def test_unknown_search_space_lists_registered_ones(tmp_path):
    result = run(
        search_cmd(tmp_path, 'model.architecture.backbone.type=NoSuchSpace'))
    assert result.returncode != 0
    assert 'NoSuchSpace' in result.stderr
    for space in ('SearchableCIFARResNet', 'NASBench201',
                  'SearchableImageNetResNet'):
        assert space in result.stderr


@pytest.mark.subprocess
def test_train_tool_runs_a_search_config_as_the_runner_loop(
        uninterrupted, tmp_path):
    """tools/train.py CONFIG runs the search (train_cfg is the loop, as in
    mmrazor's search configs): the same candidates as tools/search.py."""
    result = run([
        'tools/train.py', CONFIG, '--work-dir',
        str(tmp_path), '--cfg-options', *SMALL
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    assert records(tmp_path)['candidates'] == records(
        uninterrupted[0])['candidates']
    assert (tmp_path / 'best_fix_subnet.yaml').read_text() == (
        uninterrupted[0] / 'best_fix_subnet.yaml').read_text()


@pytest.mark.subprocess
def test_a_config_of_the_older_layout_says_what_to_rename(tmp_path):
    old = tmp_path / 'old_search.py'
    old.write_text(f"_base_ = ['{REPO}/configs/_base_/models/"
                   "s1_cifar_resnet_supernet.py']\nsearch_cfg = dict(type="
                   "'TrainingFreeSearchLoop', estimator=dict(type="
                   "'ParamsEstimator'))\n")
    result = run(['tools/search.py', str(old)])
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "sets ['search_cfg']" in last
    assert 'Rename search_cfg to train_cfg' in last
    assert 'configs/_base_/schedules/training_free_search.py' in last


def test_estimators_are_recognised_by_their_declared_interface():
    from diswot_mm.models.task_modules import estimators
    from diswot_mm.models.task_modules.estimators import build_score_estimator
    with DefaultScope.overwrite_default_scope('diswot_mm'):
        ensemble = build_score_estimator(
            dict(
                type='EnsembleEstimator',
                estimators=dict(p=dict(type='ParamsEstimator'))))
        assert isinstance(ensemble, estimators.TrainingFreeEstimator)
        assert estimators.EnsembleEstimator.population_relative
        with pytest.raises(TypeError, match='not a training-free'):
            build_score_estimator(dict(type='ActivePathResourceEstimator'))
        with pytest.raises(KeyError) as err:
            build_score_estimator(dict(type='NoSuchEstimator'))
    assert 'DisWOTEstimator' in str(err.value)
    assert 'TrainingFreeEstimator' not in str(err.value)  # abstract
