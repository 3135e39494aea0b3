"""mmrazor's FLOPs / params of the subnet selected in a supernet, counted on
the supernet itself: no sliced copy, no per-module counter set-up."""
from typing import Any, Dict, Optional, Tuple

import torch
import torch.nn as nn
from mmrazor.models.architectures.dynamic_ops.mixins.dynamic_mixins import (
    DynamicChannelMixin,
    DynamicResizeMixin,
)
from mmrazor.models.task_modules.estimators import ResourceEstimator
from mmrazor.models.task_modules.estimators.counters.flops_params_counter import (
    get_counter_type,
    is_supported_instance,
    params_units_convert,
)
from mmrazor.structures import export_fix_subnet

from diswot_mm.registry import TASK_UTILS


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

    Args:
        input_shape (tuple): Shape of the counting input, batch included.
            Defaults to (1, 3, 224, 224).
        **kwargs: Other arguments of mmrazor's ``ResourceEstimator``.
    """

    def __init__(self, input_shape: Tuple = (1, 3, 224, 224), **kwargs):
        super().__init__(input_shape=input_shape, **kwargs)
        self._hooks: Dict[type, Any] = {}

    def _count_hook(self, module: nn.Module):
        """mmrazor's counter hook of ``module``'s type; None if it has no
        counter or ``flops_params_cfg`` disables it (cached per type)."""
        cls = type(module)
        if cls not in self._hooks:
            counter = get_counter_type(module)
            disabled = self.flops_params_cfg.get('disabled_counters') or []
            hook = None
            if is_supported_instance(module) and counter not in disabled:
                hook = TASK_UTILS.build(
                    dict(type=counter, _scope_='mmrazor')).add_count_hook
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

        modes = [(m, m.training) for m in model.modules()]
        model.eval()
        param = next(model.parameters())
        batch = torch.zeros(shape, dtype=param.dtype, device=param.device)
        handle = nn.modules.module.register_module_forward_hook(count)
        try:
            model(batch)
        finally:
            handle.remove()
            for m, training in modes:
                m.training = training
        flops = sum(m.__flops__ for m in counted) / shape[0]
        params = sum(m.__params__ for m in counted)
        for m in counted:
            del m.__flops__, m.__params__
        return dict(
            flops=params_units_convert(flops, units['flops']),
            params=params_units_convert(params, units['params']))

    def estimate_subnet(self, model: nn.Module) -> Dict[str, float]:
        """``flops`` and ``params`` of the subnet selected in ``model`` (an
        mmrazor algorithm with a mutator) or of a plain network."""
        if hasattr(model, 'mutator') and any(
                isinstance(m, (DynamicChannelMixin, DynamicResizeMixin))
                for m in model.modules()):
            sliced = export_fix_subnet(model, slice_weight=True)[1]
            return self.estimate(sliced.architecture)  # mmrazor's path
        return self.estimate_active(getattr(model, 'architecture', model))

    def check_subnet(
        self, model: nn.Module, choices: Dict[str, Any],
        constraints_range: Optional[Dict[str, Any]]
    ) -> Tuple[bool, Dict[str, float]]:
        """What mmrazor's ``check_subnet_resources`` returns (feasible,
        resources) for the mmrazor algorithm ``model`` with ``choices``."""
        model.mutator.set_choices(choices)
        results = self.estimate_subnet(model)
        for key, bounds in (constraints_range or {}).items():
            low, high = bounds if isinstance(bounds, (list, tuple)) else (
                0, bounds)
            if not low <= results[key] <= high:
                return False, results
        return True, results
