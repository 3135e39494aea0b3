"""The shared summary and provenance helpers of benchmarks and tools."""
import math
import os

import pytest
import torch

from diswot_mm.utils.machine import describe_machine, machine_info
from diswot_mm.utils.stats import mean_std


def test_mean_std_is_the_sample_std_with_the_one_value_guard():
    mean, std = mean_std([70.0, 72.0, 77.0])
    assert mean == pytest.approx(73.0)
    # sample variance: ((-3)^2 + (-1)^2 + 4^2) / (3 - 1) = 13
    assert std == pytest.approx(math.sqrt(13.0))
    assert mean_std([71.5]) == (71.5, 0.0)  # one seed: no spread
    # a non-finite seed is left out
    nan_left_out = mean_std([1.0, float('nan'), 3.0])
    assert nan_left_out == (2.0, pytest.approx(math.sqrt(2.0)))
    assert all(math.isnan(v) for v in mean_std([float('nan')]))
    assert all(math.isnan(v) for v in mean_std([]))


def test_machine_info_names_this_machine():
    info = machine_info()
    assert info['cores'] == os.cpu_count()
    assert info['threads'] == torch.get_num_threads()
    assert info['torch'] == torch.__version__
    assert info['gpu'] is None or torch.cuda.is_available()
    assert isinstance(info['cpu'], str) and info['cpu']
    line = describe_machine(
        dict(
            info,
            machine='x86_64',
            cores=2,
            threads=1,
            torch='2.3.0',
            gpu=None))
    assert line == 'x86_64, 2 cores (1 torch threads), torch 2.3.0'
    assert describe_machine(dict(info, gpu='H200')).endswith(', GPU H200')
