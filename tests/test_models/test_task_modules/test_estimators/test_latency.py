"""A latency budget binds: timed with a stand-in deterministic clock, or
summed from a per-op LUT measured with it (within the LUT's error)."""
import contextlib
import csv
import json
import statistics

import pytest
import torch
import torch.nn as nn
from conftest import REPO, run_forked, select
from mmengine.config import Config
from mmengine.runner import Runner

from diswot_mm.analysis.latency_lut import build_latency_lut
from diswot_mm.models.task_modules.estimators import (TrainingFreeEstimator,
                                                      check_constraints,
                                                      run_eval)
from diswot_mm.models.task_modules.estimators.active_path_resource_estimator import \
    TIMERS  # noqa: E501
from diswot_mm.models.task_modules.estimators.latency import (leaf_op_calls,
                                                              load_latency_lut,
                                                              lut_latency,
                                                              measure_latency)
from diswot_mm.registry import TASK_UTILS, build_in_scope

CONFIG = f'{REPO}/configs/diswot_cifar100.py'
S1 = [f'{a}{b}{c}' for a in '1357' for b in '1357' for c in '1357']
NOW = [0.0]  # seconds on the stand-in clock
SECONDS_PER_OUTPUT = 1e-7  # a leaf module's cost per output element
SECONDS_PER_CONTAINER = 2e-4  # a non-leaf module's own cost (not in a LUT)


def clock() -> float:
    return NOW[0]


@contextlib.contextmanager
def stand_in_costs():
    """While active, every module call advances the stand-in clock by a
    fixed cost: leaves by their output size, containers by a constant."""

    def advance(module, inputs, output):
        if next(module.children(), None) is None:
            outputs = output if isinstance(output, tuple) else (output, )
            NOW[0] += SECONDS_PER_OUTPUT * sum(
                t.numel() for t in outputs if torch.is_tensor(t))
        else:
            NOW[0] += SECONDS_PER_CONTAINER

    handle = nn.modules.module.register_module_forward_hook(advance)
    TIMERS['stand_in'] = clock  # by name: the Runner dumps the config
    try:
        yield
    finally:
        handle.remove()
        del TIMERS['stand_in']


def build_supernet():
    return build_in_scope(Config.fromfile(CONFIG).model)


@torch.no_grad()
def stand_in_latency(supernet, arch: str) -> float:
    """ms of one forward of ``arch`` on the stand-in clock."""
    select(supernet, arch)
    net = supernet.architecture.eval()
    with stand_in_costs():
        start = clock()
        net(torch.zeros(1, 3, 32, 32))
        return 1000 * (clock() - start)


@TASK_UTILS.register_module(force=True)
class DepthScore(TrainingFreeEstimator):
    """Stand-in score: the S1 student's number of blocks (``'777'`` is the
    unconstrained pick)."""
    score_name = 'depth'
    minibatch_info = {}

    def score(self, model, key):
        return dict(depth=float(sum(int(d) for d in key)))


def search(work_dir, **options):
    """Search S1 maximising depth in this process; (loop, best)."""
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(work_dir)
    cfg.distill_configs = {}
    cfg.train_cfg = dict(
        cfg.train_cfg,
        estimator=dict(type='DepthScore'),
        score_key='depth',
        num_candidates=8,
        top_k=3,
        num_mutation=3,
        num_crossover=3,
        **options)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner.train_loop, runner.train_loop.best


@pytest.fixture(scope='module')
def latencies():
    supernet = build_supernet()
    return {arch: stand_in_latency(supernet, arch) for arch in S1}


def test_measure_latency_is_the_median_after_warmup():
    ticks = iter([0, 0, 1, 1, 4, 4, 6, 0.0])  # start, end of each run
    calls = []
    ms = measure_latency(
        lambda: calls.append(1),
        torch.device('cpu'),
        num_warmup=2,
        num_runs=4,
        timer=lambda: next(ticks))
    assert len(calls) == 6
    assert ms == pytest.approx(1000 * statistics.median([0, 0, 2, -6]))


def latency_bound_search(tmp_path, budget: float, **latency):
    """A search of S1 within ``latency <= budget`` ms, the latency measured
    by the active-path estimator with ``latency`` (latency_cfg or
    latency_lut)."""
    return search(
        tmp_path,
        constraints_range=dict(latency=(0, budget)),
        resource_estimator=dict(
            type='ActivePathResourceEstimator',
            input_shape=(1, 3, 32, 32),
            **latency))


def test_timed_latency_budget_binds(latencies, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    budget = statistics.median(latencies.values())
    with stand_in_costs():
        loop, best = latency_bound_search(
            tmp_path,
            budget,
            latency_cfg=dict(timer='stand_in', num_warmup=1, num_runs=3))
    within = {a for a, ms in latencies.items() if ms <= budget}
    assert latencies['777'] > budget  # the unconstrained pick is excluded
    assert set(loop.records) == within  # exhausted: every student within
    assert latencies[best['arch']] <= budget
    assert best['latency'] == pytest.approx(latencies[best['arch']])
    assert best['depth'] == max(r['depth'] for r in loop.records.values())
    with open(tmp_path / 'candidates.csv') as f:
        rows = list(csv.DictReader(f))
    assert all(float(r['latency']) <= budget for r in rows)
    with open(tmp_path / 'candidates.json') as f:
        assert json.load(f)['best']['latency'] == best['latency']


def test_lut_latency_budget_binds_within_its_error(latencies, tmp_path,
                                                   monkeypatch):
    monkeypatch.chdir(REPO)
    supernet = build_supernet()
    estimator = build_in_scope(
        dict(
            type='ActivePathResourceEstimator',
            input_shape=(1, 3, 32, 32),
            latency_cfg=dict(timer=clock, num_warmup=1, num_runs=3)),
        TASK_UTILS)
    with stand_in_costs():
        lut = build_latency_lut(supernet, estimator, num_samples=8)
    error = lut['error']
    for c in error['candidates']:
        assert c['measured'] == pytest.approx(latencies[c['arch']])
    # the containers' own cost is not in a per-op table: the sum is low
    assert 0 < error['median_relative'] <= error['max_relative'] < 0.5
    assert error['median_signed'] < 0
    path = tmp_path / 'lut.json'
    path.write_text(json.dumps(lut))

    budget = statistics.median(latencies.values())
    loop, best = latency_bound_search(tmp_path, budget, latency_lut=str(path))
    assert best['latency'] <= budget
    assert all(r['latency'] <= budget for r in loop.records.values())
    # summed = measured * (1 + signed error), |signed error| <= max error
    assert latencies[best['arch']] <= budget / (1 - error['max_relative'])
    select(supernet, best['arch'])  # the search's sum = the table's sum
    calls = run_eval(supernet.architecture, (1, 3, 32, 32), leaf_op_calls)
    assert best['latency'] == pytest.approx(lut_latency(lut, calls))
    assert best['arch'] != '777'


def test_lut_errors_name_the_file_and_the_fix(tmp_path):
    missing = tmp_path / 'none.json'
    with pytest.raises(FileNotFoundError, match='measure_latency_lut.py'):
        load_latency_lut(str(missing))
    bad = tmp_path / 'bad.json'
    bad.write_text('{"ops": {}}')
    with pytest.raises(ValueError, match='measure it with'):
        load_latency_lut(str(bad))
    lut = dict(ops={}, config='c.py', input_shape=[1, 3, 32, 32])
    with pytest.raises(KeyError, match='Conv2d'):
        lut_latency(lut, [('Conv2d(3, 16) 1x3x32x32 -> 1x16x32x32', None, [])],
                    'lut.json')


def test_latency_constraint_needs_the_active_path_estimator():
    mmrazor = build_in_scope(
        dict(type='mmrazor.ResourceEstimator'), TASK_UTILS)
    ours = build_in_scope(dict(type='ActivePathResourceEstimator'), TASK_UTILS)
    check_constraints(ours, dict(latency=(0, 5), params=(0, 1)))
    with pytest.raises(KeyError, match='ActivePathResourceEstimator'):
        check_constraints(mmrazor, dict(latency=(0, 5)))
    with pytest.raises(KeyError, match=r"latency \(in ms\).*'energy'"):
        check_constraints(ours, dict(energy=(0, 5)))
    with pytest.raises(KeyError, match='thread_time'):
        TASK_UTILS.build(
            dict(
                type='ActivePathResourceEstimator',
                latency_cfg=dict(timer='wall')))


@pytest.mark.subprocess
def test_lut_tool_writes_a_lut_and_never_overwrites(tmp_path):
    out = tmp_path / 'lut.json'
    cmd = [
        'tools/analysis/measure_latency_lut.py', 'configs/diswot_cifar100.py',
        '--device', 'cpu', '--out',
        str(out), '--num-samples', '2', '--num-warmup', '0', '--num-runs', '1'
    ]
    result = run_forked(cmd)
    assert result.returncode == 0, result.stderr[-2000:]
    lut = load_latency_lut(str(out))
    assert lut['device'] == 'cpu' and lut['input_shape'] == [1, 3, 32, 32]
    assert len(lut['ops']) >= 10 and len(lut['error']['candidates']) == 2
    assert 'median relative error' in result.stdout
    again = run_forked(cmd)
    assert again.returncode != 0 and '--overwrite' in again.stderr
    assert load_latency_lut(str(out)) == lut
