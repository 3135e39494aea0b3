"""tools/gpu_check.sh, the prepared GPU check, in its CPU smoke mode
(--cpu --tiny): every section runs and the JSON it writes says so."""
import json
import math
import os
import subprocess
import sys

import pytest
from conftest import REPO


@pytest.mark.subprocess
def test_gpu_check_cpu_tiny_writes_its_report(tmp_path):
    env = dict(
        os.environ,
        PYTHON=sys.executable,
        OMP_NUM_THREADS='1',
        PYTHONWARNINGS='ignore')
    result = subprocess.run(
        ['bash', 'tools/gpu_check.sh',
         str(tmp_path), '--cpu', '--tiny'],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
        env=env)
    report = json.load(open(tmp_path / 'gpu_check.json'))
    sections = report['sections']
    failed = {n: r for n, r in sections.items() if r['status'] == 'failed'}
    assert result.returncode == 0 and not failed, (failed, result.stdout)
    assert report['mode'] == 'cpu tiny'
    assert sections['cuda_tests']['status'] == 'skipped'  # no CUDA here
    assert sections['cuda_tests']['skipped'] >= 1
    for space in ('s1', 'imagenet'):
        row = sections[f'search_{space}']
        assert row['device'] == 'cpu' and row['loop_candidates'] >= 1
        # both timed (their ratio is the GPU figure; on a loaded CPU with
        # one repeat of 3 candidates, floor > score happens: not asserted)
        assert math.isfinite(row['floor_ms']) and row['floor_ms'] > 0
        assert math.isfinite(row['score_ms']) and row['score_ms'] > 0
    for size in ('cifar', '224'):
        for dtype in ('bfloat16', 'float16'):
            row = sections[f'distill_{size}_{dtype}']
            assert row['terms_finite'] and row['loss_falling']
            assert row['images_per_s'] > 0
            assert {
                'loss', 'distill.loss_ms', 'distill.loss_mr', 'distill.loss_kl'
            } <= set(row['terms'])
            assert math.isfinite(row['loss_last'])
    assert sections['dist_train']['backend'] == 'gloo'
    assert sections['dist_train']['checkpoint']
    assert sections['dist_search']['best_fix_subnet']
    markdown = (tmp_path / 'gpu_check.md').read_text()
    assert all(f'| {name} | ' in markdown for name in sections)
