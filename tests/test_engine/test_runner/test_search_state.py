"""Faults and bad inputs: SIGKILL at five moments of a search then
--resume, corrupted / foreign search states, teacher files that are not
checkpoints. Each ends in the uninterrupted result or one clear error."""
import json
import os
import pickle

import pytest
import torch
from conftest import once_per_session, run_forked

from diswot_mm.engine.runner.search_state import (FORMAT_VERSION,
                                                  newest_valid_state)

pytestmark = pytest.mark.subprocess  # each test starts tools/*.py

CONFIG = 'configs/diswot_cifar100.py'
# a quick search: 1 repeat, 6 per generation, students <= 0.3 M (26 of 64)
QUICK = [
    'train_cfg.estimator.repeats=1', 'train_cfg.num_candidates=6',
    'train_cfg.top_k=2', 'train_cfg.num_mutation=2',
    'train_cfg.num_crossover=2', 'train_cfg.constraints_range.params=[0,0.3]'
]


def run(args, timeout=600):
    env = dict(os.environ, PYTHONWARNINGS='ignore', OMP_NUM_THREADS='1')
    return run_forked(args, timeout=timeout, env=env)


def search(work_dir, *extra, options=()):
    return run([
        'tools/search.py', CONFIG, '--work-dir',
        str(work_dir), *extra, '--cfg-options', *QUICK, *options
    ])


def candidates(work_dir):
    with open(work_dir / 'candidates.json') as f:
        return json.load(f)['candidates']


def uninterrupted_search(work_dir):
    result = search(work_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    states = sorted(work_dir.glob('search_epoch_*.json'))
    assert len(states) >= 3  # several generations: kills land mid-search


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    return once_per_session(tmp_path_factory, 'reliability_reference',
                            uninterrupted_search)


def newest_state(work_dir):
    return max(
        work_dir.glob('search_epoch_*.json'),
        key=lambda p: int(p.stem.rsplit('_', 1)[1]))


@pytest.mark.parametrize(
    'moment,nth',
    [
        ('score', 9),  # inside the second generation's scoring
        ('check', 20),  # while generating a later generation
        ('torn', 2),  # half of the second state written
        ('replace', 3),  # third state complete in its temp file, not renamed
        ('report', 1),  # every generation done, outputs not yet written
    ])
def test_sigkill_then_resume_equals_uninterrupted(reference, tmp_path, moment,
                                                  nth):
    """The search's one SIGKILL test: killed at a chosen moment, it resumes
    from the newest complete state the kill left (never a torn or unrenamed
    temp file) and ends with the uninterrupted search's candidates."""
    killed = run([
        'tests/data/search_with_kill.py', moment,
        str(nth), CONFIG, '--work-dir',
        str(tmp_path), '--cfg-options', *QUICK
    ])
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert not (tmp_path / 'candidates.json').exists()
    left = newest_state(tmp_path)
    number = int(left.stem.rsplit('_', 1)[1])
    final = int(newest_state(reference).stem.rsplit('_', 1)[1])
    assert number == final if moment == 'report' else number < final
    if moment in ('torn', 'replace'):  # the state being written: a temp
        assert (tmp_path / f'search_epoch_{number + 1}.json.tmp').exists()
    resumed = search(tmp_path, '--resume')
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f'Resumed from {left}:' in resumed.stdout + resumed.stderr
    assert candidates(tmp_path) == candidates(reference)
    assert not list(tmp_path.glob('*.pkl'))


def test_garbage_newest_state_is_skipped_by_auto_resume(reference, tmp_path):
    for state in reference.glob('search_epoch_*.json'):
        (tmp_path / state.name).write_bytes(state.read_bytes())
    newest = newest_state(tmp_path)
    number = int(newest.stem.rsplit('_', 1)[1])
    garbage = tmp_path / f'search_epoch_{number + 1}.json'
    garbage.write_text('garbage\n')
    result = search(tmp_path, '--resume')
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert f'skipped {garbage}' in log and 'not a readable JSON' in log
    assert f'Resumed from {newest}' in log
    assert candidates(tmp_path) == candidates(reference)


def test_explicit_garbage_or_truncated_state_is_one_clear_error(
        reference, tmp_path):
    good = newest_state(reference)
    (tmp_path / good.name).write_bytes(good.read_bytes())
    for name, content in (('search_epoch_90.json', 'garbage\n'),
                          ('search_epoch_91.json',
                           good.read_text()[:len(good.read_text()) // 2])):
        bad = tmp_path / name
        bad.write_text(content)
        result = search(tmp_path, '--resume', str(bad))
        assert result.returncode != 0
        last = result.stderr.strip().splitlines()[-1]
        assert f'cannot resume from {bad}' in last
        assert 'not a readable JSON search state' in last
        assert f'newest valid state in {tmp_path} is' in last
        assert 'invalid literal' not in result.stderr


def test_state_of_another_config_or_format_is_refused(reference, tmp_path):
    state = json.loads(newest_state(reference).read_text())
    foreign = tmp_path / 'search_epoch_5.json'
    foreign.write_text(json.dumps(state))
    result = search(
        tmp_path, '--resume', str(foreign), options=['train_cfg.seed=7'])
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert 'written by another search config' in last
    assert 'seed: state 0, config 7' in last
    state['format_version'] = FORMAT_VERSION + 1
    foreign.write_text(json.dumps(state))
    result = search(tmp_path, '--resume', str(foreign))
    last = result.stderr.strip().splitlines()[-1]
    assert f'state format {FORMAT_VERSION + 1}' in last
    assert f'reads format {FORMAT_VERSION}' in last


class Payload:
    """Unpickling it creates the file ``marker``: what a hostile pickle in a
    shared work_dir could do instead."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, 'w')


def test_state_holding_a_pickle_is_refused_unread(tmp_path):
    marker = tmp_path / 'unpickled'
    payload = pickle.dumps(Payload(marker))
    state = tmp_path / 'search_epoch_1.json'
    state.write_bytes(payload)
    (tmp_path / 'search_epoch_2.pkl').write_bytes(payload)  # older name
    result = search(tmp_path, '--resume', str(state))
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert f'cannot resume from {state}' in last
    assert 'not a readable JSON search state' in last
    path, _, skipped = newest_valid_state(str(tmp_path), {})
    assert path is None
    assert [p for p, _ in skipped] == [str(state)]
    assert 'not a readable JSON search state' in skipped[0][1]
    assert not marker.exists()
    # the payload does what it says when unpickled
    pickle.loads(pickle.dumps(Payload(tmp_path / 'control'))).close()
    assert (tmp_path / 'control').exists()


@pytest.fixture
def bad_checkpoints(tmp_path):
    text = tmp_path / 'notes.txt'
    text.write_text('110 epochs, lr 0.05\n')
    real = tmp_path / 'real.pth'
    torch.save(dict(state_dict=dict(w=torch.zeros(1000))), real)
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(real.read_bytes()[:2000])
    return text, truncated


def test_teacher_file_that_is_not_a_checkpoint_in_distillation(
        bad_checkpoints):
    for path in bad_checkpoints:
        result = run([
            'tools/train.py',
            'configs/distill/kd_resnet110_resnet20_cifar100.py',
            '--cfg-options', f'model.teacher_ckpt={path}'
        ])
        assert result.returncode != 0
        last = result.stderr.strip().splitlines()[-1]
        assert f"model.teacher_ckpt='{path}' is not a readable PyTorch " \
            'checkpoint' in last
        assert 'Unsupported operand' not in last


def test_teacher_file_that_is_not_a_checkpoint_in_the_search(
        bad_checkpoints, tmp_path):
    for path in bad_checkpoints:
        result = search(
            tmp_path, options=[f'train_cfg.estimator.teacher_ckpt={path}'])
        assert result.returncode != 0
        last = result.stderr.strip().splitlines()[-1]
        assert f"train_cfg.estimator.teacher_ckpt='{path}' is not a " \
            'readable PyTorch checkpoint' in last
