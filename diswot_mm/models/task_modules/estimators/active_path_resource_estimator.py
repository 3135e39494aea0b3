"""mmrazor's FLOPs / params of the subnet selected in a supernet, counted on
the supernet itself: no sliced copy, no per-module counter set-up; and its
latency, timed on the search's device or summed from a per-op table."""
import time
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.dist import broadcast_object_list, get_rank, get_world_size
from mmengine.logging import print_log
from mmrazor.models.mutables.base_mutable import BaseMutable
from mmrazor.models.task_modules.estimators import ResourceEstimator
from mmrazor.models.task_modules.estimators.counters import \
    flops_params_counter

from diswot_mm.models.search_spaces.utils import subnet_network
from diswot_mm.registry import TASK_UTILS
from .latency import (leaf_op_calls, load_latency_lut, lut_latency,
                      measure_latency, recording_leaf_ops)

#: Resources a constraints_range may bound, with their units.
RESOURCE_UNITS = dict(flops='M', params='M', latency='ms')

#: Clocks a latency_cfg may name.
TIMERS = dict(perf_counter=time.perf_counter, thread_time=time.thread_time)


def resolve_timer(
        timer: Union[str, Callable[[], float]]) -> Callable[[], float]:
    """The clock ``timer`` names (a key of :data:`TIMERS`), or ``timer``
    itself if it is a callable.

    Raises:
        KeyError: An unknown name.
        ValueError: ``'thread_time'`` while torch runs several threads
            (their time would not be counted).
    """
    if callable(timer):
        return timer
    if timer not in TIMERS:
        raise KeyError(f'latency_cfg.timer supports {sorted(TIMERS)} or a '
                       f'callable, got {timer!r}.')
    if timer == 'thread_time' and torch.get_num_threads() > 1:
        raise ValueError(
            "latency_cfg.timer='thread_time' counts one thread's CPU time, "
            f'but torch runs {torch.get_num_threads()} threads: set '
            'OMP_NUM_THREADS=1 or use perf_counter.')
    return TIMERS[timer]


def check_constraints(estimator: ResourceEstimator,
                      constraints_range: Dict[str, Any]) -> None:
    """Raise a KeyError for a key of ``constraints_range`` that
    ``estimator`` cannot check: ``flops``/``params`` for any mmrazor
    ResourceEstimator, ``latency`` only for ActivePathResourceEstimator
    (mmrazor's returns 0 ms unless asked, and times CUDA only)."""
    supported = [
        k for k in RESOURCE_UNITS
        if k != 'latency' or isinstance(estimator, ActivePathResourceEstimator)
    ]
    for key in constraints_range:
        if key not in supported:
            raise KeyError('constraints_range supports ' +
                           ', '.join(f'{k} (in {RESOURCE_UNITS[k]})'
                                     for k in supported) +
                           f' with {type(estimator).__name__}, got {key!r}.' +
                           (' Latency needs resource_estimator=dict(type='
                            '"ActivePathResourceEstimator", ...).' if key ==
                            'latency' else ''))


@TASK_UTILS.register_module()
class ActivePathResourceEstimator(ResourceEstimator):
    """A ResourceEstimator whose constraint check costs one batch-1 forward.

    mmrazor's ``check_subnet_resources`` exports a weight-sliced copy of the
    supernet for every candidate and then registers a counter hook on each of
    its modules. Here one process-wide forward hook runs mmrazor's own
    counter (``<Module>Counter.add_count_hook``, built once per module type)
    on the modules the supernet's forward actually executes, i.e. the active
    path; inactive choices never run, so they count nothing. The numbers are
    mmrazor's: same counters, input shape, units, disabled counters and
    rounding as its ``estimate`` applies (from ``flops_params_cfg``).
    Supernets with mmrazor dynamic channel or resize ops, whose modules
    count their full size when run unsliced, fall back to mmrazor's export
    path (dynamic depth, as S1's ``DynamicSequential``, runs only its
    active blocks: no fallback).

    Latency (ms, batch 1 on ``input_shape``, eval mode, no grad), only when
    ``constraints_range`` bounds it, cached per candidate: the median of
    ``num_runs`` timed forwards after ``num_warmup`` untimed ones on the
    device of the supernet's weights (mmrazor's ``get_model_latency``
    averages, rounds to 0.1 ms and times CUDA only); or, with
    ``latency_lut``, the sum of the table's latencies of the leaf ops the
    forward runs (see :mod:`.latency`).

    Args:
        input_shape (tuple): Shape of the counting input, batch included
            (FLOPs and params are counted on it, unless ``flops_params_cfg``
            sets another; mmrazor's ``ResourceEstimator`` ignores it there).
            Defaults to (1, 3, 224, 224).
        latency_cfg (dict, optional): ``num_warmup`` (default 5),
            ``num_runs`` (default 20) and ``timer`` of the timed latency:
            a clock in seconds or the name of one of :data:`TIMERS`
            (default ``'perf_counter'``, wall time; ``'thread_time'``
            counts only this thread's CPU time, which other processes do
            not inflate: for a shared CPU with one torch thread).
        latency_lut (str, optional): A per-op latency table (JSON) of
            ``tools/analysis/measure_latency_lut.py``, measured on the
            target device; then latency is summed from it, not timed.
        **kwargs: Other arguments of mmrazor's ``ResourceEstimator``.
    """

    def __init__(self,
                 input_shape: Tuple = (1, 3, 224, 224),
                 latency_cfg: Optional[dict] = None,
                 latency_lut: Optional[str] = None,
                 **kwargs):
        super().__init__(input_shape=input_shape, **kwargs)
        # mmrazor 1.0.0 counts FLOPs and params at its own default input
        # (224 x 224) unless flops_params_cfg repeats input_shape
        self.flops_params_cfg.setdefault('input_shape', self.input_shape)
        self._hooks: Dict[type, Any] = {}
        self._cache: Dict[str, Dict[str, float]] = {}
        timing = dict(num_warmup=5, num_runs=20, timer='perf_counter')
        unknown = sorted(set(latency_cfg or {}) - set(timing))
        if unknown:
            raise KeyError(f'latency_cfg supports {sorted(timing)}, got '
                           f'{unknown}.')
        self.latency_timing: Dict[str, Any] = {**timing, **(latency_cfg or {})}
        self.latency_timing['timer'] = resolve_timer(
            self.latency_timing['timer'])
        self.latency_lut = latency_lut
        self.lut = None
        if latency_lut is not None:
            self.lut = load_latency_lut(latency_lut)
            if list(self.lut['input_shape'][1:]) != list(input_shape[1:]):
                raise ValueError(
                    f'latency_lut {latency_lut} was measured on input '
                    f'{self.lut["input_shape"]}, the resource estimator '
                    f'uses {list(input_shape)}: measure a LUT for it.')
            error = self.lut['error']
            print_log(
                f'Latency summed from {latency_lut} ({len(self.lut["ops"])} '
                f'ops measured on {self.lut["device_name"]}); its median '
                f'relative error against timed latency was '
                f'{error["median_relative"]:.1%} (max '
                f'{error["max_relative"]:.1%}) over '
                f'{len(error["candidates"])} candidates.',
                logger='current')

    @property
    def latency_shape(self) -> Tuple[int, ...]:
        """Input shape of the latency: ``input_shape`` with batch 1."""
        return (1, ) + tuple(self.input_shape[1:])

    def _count_hook(self, module: nn.Module):
        """mmrazor's counter hook of ``module``'s type; None if it has no
        counter or ``flops_params_cfg`` disables it (cached per type)."""
        cls = type(module)
        if cls not in self._hooks:
            counter = flops_params_counter.get_counter_type(module)
            disabled = self.flops_params_cfg.get('disabled_counters') or []
            hook = None
            if flops_params_counter.is_supported_instance(
                    module) and counter not in disabled:
                hook = TASK_UTILS.build(dict(type=counter,
                                             _scope_='mmrazor')).add_count_hook
            self._hooks[cls] = hook
        return self._hooks[cls]

    @torch.no_grad()
    def estimate_active(self, model: nn.Module) -> Dict[str, float]:
        """``flops`` and ``params`` (in ``units``) of what ``model``'s
        forward runs on an input of ``input_shape``, in eval mode (modes
        are restored afterwards)."""
        # what mmrazor's estimate() really applies: its flops_params_cfg
        cfg = self.flops_params_cfg
        shape = tuple(cfg.get('input_shape', self.input_shape))
        units = cfg.get('units', dict(flops='M', params='M'))
        counted = []

        def count(module, inputs, output):
            hook = self._count_hook(module)
            if hook is None:
                return
            if '__flops__' not in module.__dict__:
                module.__flops__, module.__params__ = 0, 0
                counted.append(module)
            hook(module, inputs, output)

        handle = nn.modules.module.register_module_forward_hook(count)
        try:
            run_eval(model, shape, lambda net, batch: net(batch))
        finally:
            handle.remove()
        flops = sum(m.__flops__ for m in counted) / shape[0]
        params = sum(m.__params__ for m in counted)
        for m in counted:
            del m.__flops__, m.__params__
        return dict(
            flops=flops_params_counter.params_units_convert(
                flops, units['flops']),
            params=flops_params_counter.params_units_convert(
                params, units['params']))

    def latency(self, network: nn.Module) -> float:
        """Latency (ms) of ``network`` (a plain network, e.g. the
        supernet's ``architecture`` with a subnet selected) on a batch of
        :attr:`latency_shape`: summed from the LUT, or timed (on rank 0,
        broadcast to the others so that all ranks keep the same
        candidates)."""
        if self.lut is not None:
            calls = run_eval(network, self.latency_shape, leaf_op_calls)
            return lut_latency(self.lut, calls, self.latency_lut)
        device = next(network.parameters()).device
        timed = [None]
        if get_rank() == 0:
            timed[0] = run_eval(
                network,
                self.latency_shape, lambda net, batch: measure_latency(
                    lambda: net(batch), device, **self.latency_timing))
        if get_world_size() > 1:  # every rank decides on rank 0's timing
            broadcast_object_list(timed, src=0)
        return timed[0]

    def check_choices_change_network(self, model: nn.Module,
                                     candidates: Sequence[dict]) -> None:
        """Refuse a search space whose candidates all run the same network
        (issue 35: DARTS' unfixed ops ran every op, so every candidate was
        scored and counted as the whole supernet): for two distinct
        ``candidates`` (mutator choices), the modules that run and the
        counted resources must not both be the same (equal candidates, as a
        tiny space may draw, check nothing). The mutator's current choices
        are restored.

        Raises:
            ValueError: naming the counts and the space's mutable types.
        """
        if len(candidates) != 2 or candidates[0] == candidates[1]:
            return
        mutator = model.mutator
        saved = mutator.current_choices
        seen = []
        try:
            for choices in candidates:
                mutator.set_choices(choices)
                ran = set()
                handle = nn.modules.module.register_module_forward_hook(
                    lambda module, inputs, output: ran.add(id(module)))
                try:
                    run_eval(model.architecture, self.latency_shape,
                             lambda net, batch: net(batch))
                finally:
                    handle.remove()
                seen.append((frozenset(ran), self.estimate_subnet(model)))
        finally:
            mutator.set_choices(saved)
        if seen[0] == seen[1]:
            kinds = sorted({
                type(m).__name__
                for m in model.modules() if isinstance(m, BaseMutable)
            })
            res = seen[0][1]
            raise ValueError(
                'every candidate of this search space runs the same network: '
                'two distinct candidates run the same modules '
                f"({res['flops']:.2f} M FLOPs, {res['params']:.3f} M params), "
                'so each would be scored and counted as the whole supernet. '
                f'Its mutables {kinds} do not select what runs unless fixed. '
                'Single-path kinds (mmrazor OneShotMutableOP, mutable '
                'channels and values; DiffMutableOP, OneHotMutableOP and '
                'DiffChoiceRoute, run single-path by diswot_mm) are '
                'searchable; for another kind, make its forward run its '
                'current_choice only.')

    def estimate_subnet(self,
                        model: nn.Module,
                        latency: bool = False) -> Dict[str, float]:
        """``flops`` and ``params`` (and ``latency`` if asked) of the subnet
        selected in ``model`` (an mmrazor algorithm with a mutator) or of a
        plain network."""
        network, sliced = subnet_network(model)
        if sliced:
            estimate = self.estimate(network)  # mmrazor's path
            return dict(
                flops=estimate['flops'],
                params=estimate['params'],
                **({
                    'latency': self.latency(network)
                } if latency else {}))
        counting_shape = tuple(
            self.flops_params_cfg.get('input_shape', self.input_shape))
        if latency and self.lut is not None and \
                counting_shape == self.latency_shape:
            # the counting forward gives the LUT its ops: one forward
            with recording_leaf_ops() as calls:
                results = self.estimate_active(network)
            results['latency'] = lut_latency(self.lut, calls, self.latency_lut)
            return results
        results = self.estimate_active(network)
        if latency:
            results['latency'] = self.latency(network)
        return results

    def check_subnet(
        self, model: nn.Module, choices: Dict[str, Any],
        constraints_range: Optional[Dict[str, Any]]
    ) -> Tuple[bool, Dict[str, float]]:
        """What mmrazor's ``check_subnet_resources`` returns (feasible,
        resources) for the mmrazor algorithm ``model`` with ``choices``;
        resources have ``latency`` when ``constraints_range`` bounds it.
        Cached per candidate."""
        constraints_range = constraints_range or {}
        check_constraints(self, constraints_range)
        with_latency = 'latency' in constraints_range
        model.mutator.set_choices(choices)
        key = repr((id(model), sorted(choices.items()), with_latency))
        if key not in self._cache:
            self._cache[key] = self.estimate_subnet(model, with_latency)
        results = dict(self._cache[key])
        for name, bounds in constraints_range.items():
            low, high = bounds if isinstance(bounds,
                                             (list, tuple)) else (0, bounds)
            if not low <= results[name] <= high:
                return False, results
        return True, results


def run_eval(network: nn.Module, shape: Tuple[int, ...],
             fn: Callable[[nn.Module, torch.Tensor], Any]) -> Any:
    """``fn(network, zeros of shape)`` with ``network`` in eval mode and no
    grad (training modes restored afterwards); the zeros take the dtype and
    device of its weights."""
    modes = [(m, m.training) for m in network.modules()]
    network.eval()
    param = next(network.parameters())
    batch = torch.zeros(shape, dtype=param.dtype, device=param.device)
    try:
        with torch.no_grad():
            return fn(network, batch)
    finally:
        for m, training in modes:
            m.training = training
