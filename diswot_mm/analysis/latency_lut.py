"""Measure a per-op latency lookup table (LUT) of a search space on one
device, and how far its sums are from timed latency."""
import json
import random
from typing import Any, Dict, List

import torch
import torch.nn as nn

from diswot_mm.models.search_spaces import (choices_to_alias, mutable_choices,
                                            subnet_network)
from diswot_mm.models.task_modules.estimators import (
    ActivePathResourceEstimator, run_eval)
from diswot_mm.models.task_modules.estimators.latency import (LUT_FORMAT,
                                                              leaf_op_calls,
                                                              lut_latency,
                                                              measure_op,
                                                              relative_errors)
from diswot_mm.utils.machine import cpu_name, machine_info
from diswot_mm.utils.progress import track


def covering_choices(mutator) -> List[Dict[str, Any]]:
    """Candidates that together take every choice of every search group:
    the i-th takes each group's i-th choice (wrapping around)."""
    options = {
        g: mutable_choices(m[0])
        for g, m in mutator.search_groups.items()
    }
    return [{
        g: c[i % len(c)]
        for g, c in options.items()
    } for i in range(max(len(c) for c in options.values()))]


def random_choices(mutator, num: int, seed: int) -> List[Dict[str, Any]]:
    """Up to ``num`` distinct random candidates (fewer if the space is
    smaller), drawn with ``random.Random(seed)``."""
    rng = random.Random(seed)
    found: Dict[str, Dict[str, Any]] = {}
    for _ in range(100 * num):
        if len(found) == num:
            break
        choices = {
            g: rng.choice(mutable_choices(m[0]))
            for g, m in mutator.search_groups.items()
        }
        found.setdefault(repr(sorted(choices.items())), choices)
    return list(found.values())


def arch_name(supernet: nn.Module, choices: Dict[str, Any]) -> str:
    """The space's name of a candidate (S1 digits, NB201 strings), or its
    choices as JSON."""
    alias = choices_to_alias(supernet.mutator, choices)
    backbone = supernet.architecture.backbone
    if hasattr(backbone, 'encode'):
        return backbone.encode(alias)
    return json.dumps(alias, sort_keys=True)


def device_name(device: torch.device) -> str:
    """A readable name of ``device``: the GPU's or the CPU's model."""
    if device.type == 'cuda':
        return torch.cuda.get_device_name(device)
    return cpu_name()


def build_latency_lut(supernet: nn.Module,
                      estimator: ActivePathResourceEstimator,
                      num_samples: int = 20,
                      seed: int = 0,
                      config: str = '') -> dict:
    """Time every leaf op the space's candidates run, alone, on the device
    of ``supernet``'s weights; then time ``num_samples`` random candidates
    whole and compare with the LUT's sums.

    The ops are those of :func:`covering_choices` and of the sampled
    candidates (each keyed by :func:`~.latency.op_key`: spaces whose op
    shapes depend only on the op's own choice, as S1 and NB201, are
    covered whole).

    Args:
        supernet (nn.Module): An mmrazor algorithm (mutator +
            architecture), on the target device.
        estimator (ActivePathResourceEstimator): Gives the input shape
            (batch 1) and the timing (``latency_cfg``).
        num_samples (int): Candidates timed whole. Defaults to 20.
        seed (int): Seed of their draw. Defaults to 0.
        config (str): Config path, recorded in the LUT.

    Returns:
        dict: The LUT (``ops``: key -> ms) with its ``error``: median and
        max relative error of the sums over the sampled candidates, and
        each candidate's timed and summed latency.
    """
    if estimator.lut is not None:
        raise ValueError('build_latency_lut times latency: give it an '
                         'estimator without latency_lut.')
    device = next(supernet.parameters()).device
    mutator = supernet.mutator
    samples = random_choices(mutator, num_samples, seed)
    ops: Dict[str, float] = {}
    for choices in track(
            covering_choices(mutator) + samples, desc='timing ops'):
        mutator.set_choices(choices)
        network, _ = subnet_network(supernet)
        for call in run_eval(network, estimator.latency_shape, leaf_op_calls):
            if call[0] not in ops:  # timed while its candidate is selected
                ops[call[0]] = measure_op(call, device,
                                          **estimator.latency_timing)
    machine = machine_info()
    lut = dict(
        format=LUT_FORMAT,
        config=config,
        device=str(device),
        device_name=device_name(device),
        torch=machine['torch'],
        threads=machine['threads'],
        input_shape=list(estimator.latency_shape),
        unit='ms',
        timing=dict(
            num_warmup=estimator.latency_timing['num_warmup'],
            num_runs=estimator.latency_timing['num_runs'],
            timer=getattr(estimator.latency_timing['timer'], '__name__',
                          repr(estimator.latency_timing['timer']))),
        ops=ops)
    candidates = []
    for choices in track(samples, desc='timing candidates'):
        mutator.set_choices(choices)
        network, _ = subnet_network(supernet)
        calls = run_eval(network, estimator.latency_shape, leaf_op_calls)
        candidates.append(
            dict(
                arch=arch_name(supernet, choices),
                measured=estimator.latency(network),
                summed=lut_latency(lut, calls)))
    lut['error'] = dict(
        **relative_errors([c['measured'] for c in candidates],
                          [c['summed'] for c in candidates]),
        candidates=candidates)
    return lut
