"""Latency of a network: timed (warm-up, then the median of several runs) or
summed from a per-op lookup table (LUT) measured once on a target device.

A LUT is a JSON file written by ``tools/analysis/measure_latency_lut.py``:
``ops`` maps the key of each leaf module call (:func:`op_key`: the module's
repr and its input and output shapes) to its median latency in ms; ``error``
says how far the sum over a network's leaf ops was from that network's
timed latency on sampled candidates (the sum leaves out what non-leaf
modules compute themselves, e.g. a residual addition, and Python overhead).
"""
import contextlib
import json
import os.path as osp
import statistics
import time
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

import torch
import torch.nn as nn

LUT_FORMAT = 'diswot_mm latency LUT 1'
#: Each op call of a forward: (key, module, input (shape, dtype)s).
OpCall = Tuple[str, nn.Module, List[Tuple[Tuple[int, ...], torch.dtype]]]


def measure_latency(run: Callable[[], Any],
                    device: torch.device,
                    num_warmup: int = 5,
                    num_runs: int = 20,
                    timer: Callable[[], float] = time.perf_counter) -> float:
    """Median latency of ``run()`` in ms, after ``num_warmup`` untimed calls.

    Args:
        run (callable): What to time (e.g. a no-grad forward).
        device (torch.device): Where it runs; CUDA is synchronised before
            each clock reading.
        num_warmup (int): Untimed calls first. Defaults to 5.
        num_runs (int): Timed calls; the median is returned. Defaults to 20.
        timer (callable): Clock in seconds. Defaults to
            ``time.perf_counter``.
    """
    if num_runs < 1 or num_warmup < 0:
        raise ValueError(f'latency needs num_runs >= 1 and num_warmup >= 0, '
                         f'got {num_runs} and {num_warmup}.')

    def sync():
        if device.type == 'cuda':
            torch.cuda.synchronize(device)

    for _ in range(num_warmup):
        run()
    times = []
    for _ in range(num_runs):
        sync()
        start = timer()
        run()
        sync()
        times.append(timer() - start)
    return 1000 * statistics.median(times)


def _shapes(tensors: Sequence[torch.Tensor]) -> str:
    return ', '.join('x'.join(map(str, t.shape)) for t in tensors)


def op_key(module: nn.Module, inputs: tuple, output: Any) -> str:
    """Key of one call of a leaf module in a LUT, e.g. ``'Conv2d(16, 16,
    kernel_size=(3, 3), ...) 1x16x32x32 -> 1x16x32x32'``."""
    outputs = output if isinstance(output, (tuple, list)) else (output, )
    return (f'{module!r} '
            f'{_shapes([t for t in inputs if torch.is_tensor(t)])} -> '
            f'{_shapes([t for t in outputs if torch.is_tensor(t)])}')


@contextlib.contextmanager
def recording_leaf_ops() -> Iterator[List[OpCall]]:
    """While active, every call of a leaf module (one without children), in
    any forward, is appended to the yielded list, in order; a module run
    twice appears twice."""
    calls: List[OpCall] = []

    def record(module, inputs, output):
        if next(module.children(), None) is None:
            calls.append((op_key(module, inputs, output), module, [
                (tuple(t.shape), t.dtype) if torch.is_tensor(t) else None
                for t in inputs
            ]))

    handle = nn.modules.module.register_module_forward_hook(record)
    try:
        yield calls
    finally:
        handle.remove()


@torch.no_grad()
def leaf_op_calls(network: nn.Module, batch: torch.Tensor) -> List[OpCall]:
    """The leaf op calls (:func:`recording_leaf_ops`) of one forward of
    ``network`` on ``batch``."""
    with recording_leaf_ops() as calls:
        network(batch)
    return calls


def measure_op(call: OpCall, device: torch.device, **kwargs) -> float:
    """Median latency (ms) of one leaf op alone on random inputs of its
    recorded shapes; ``kwargs`` go to :func:`measure_latency`."""
    key, module, specs = call
    if any(spec is None for spec in specs):
        raise ValueError(f'cannot time op {key!r} alone: it takes '
                         'non-tensor inputs.')
    inputs = [
        torch.randn(shape, device=device).to(dtype) for shape, dtype in specs
    ]
    with torch.no_grad():
        return measure_latency(lambda: module(*inputs), device, **kwargs)


def load_latency_lut(path: str) -> dict:
    """Read a LUT written by ``tools/analysis/measure_latency_lut.py``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: It is not such a LUT.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'latency_lut {path!r} does not exist: measure one on the target '
            'device with python tools/analysis/measure_latency_lut.py CONFIG '
            f'--device DEVICE --out {path}')
    try:
        with open(path) as f:
            lut = json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(f'latency_lut {path!r} is not JSON ({err}): '
                         'measure it again with '
                         'tools/analysis/measure_latency_lut.py.') from None
    if not isinstance(lut, dict) or lut.get('format') != LUT_FORMAT:
        raise ValueError(f'latency_lut {path!r} is not a {LUT_FORMAT!r} '
                         'file: measure it with '
                         'tools/analysis/measure_latency_lut.py.')
    return lut


def lut_latency(lut: dict,
                calls: List[OpCall],
                path: str = 'the LUT') -> float:
    """Sum (ms) of the LUT's latencies of ``calls``.

    Raises:
        KeyError: An op is not in the LUT (it was measured for another
            network or input shape).
    """
    total = 0.0
    for key, _, _ in calls:
        if key not in lut['ops']:
            raise KeyError(
                f'op {key!r} is not in latency_lut {path} (measured for '
                f'{lut.get("config")} on input {lut.get("input_shape")}): '
                'measure a LUT for this config and input shape with '
                'tools/analysis/measure_latency_lut.py.')
        total += lut['ops'][key]
    return total


def relative_errors(measured: Sequence[float],
                    summed: Sequence[float]) -> Dict[str, float]:
    """Median and max of ``|summed - measured| / measured``, and the median
    signed ratio ``summed / measured - 1`` (negative: the sum is low)."""
    errors = [abs(s - m) / m for m, s in zip(measured, summed)]
    return dict(
        median_relative=statistics.median(errors),
        max_relative=max(errors),
        median_signed=statistics.median(s / m - 1
                                        for m, s in zip(measured, summed)))
