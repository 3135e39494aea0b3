"""What a measurement ran on, recorded beside its figures."""
import os
import platform
from typing import Any, Dict, Optional

import torch


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else the platform's
    processor or machine string."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> Dict[str, Any]:
    """The machine and software a benchmark or check runs on.

    Returns:
        dict: ``machine`` (architecture, e.g. ``'x86_64'``), ``cpu`` (model
        name), ``cores`` (logical CPUs), ``threads`` (torch's intra-op
        threads), ``python``, ``torch``, ``cuda`` (torch's CUDA version or
        None), ``gpu`` (the current GPU's name or None) and ``platform``.
    """
    return dict(
        machine=platform.machine(),
        cpu=cpu_name(),
        cores=os.cpu_count(),
        threads=torch.get_num_threads(),
        python=platform.python_version(),
        torch=torch.__version__,
        cuda=torch.version.cuda,
        gpu=torch.cuda.get_device_name()
        if torch.cuda.is_available() else None,
        platform=platform.platform())


def describe_machine(info: Optional[Dict[str, Any]] = None) -> str:
    """One line for a report: ``'x86_64, 2 cores (1 torch threads), torch
    2.3.0'`` (+ ``', GPU <name>'``), of ``info`` (default:
    :func:`machine_info` now)."""
    info = info or machine_info()
    return (f'{info["machine"]}, {info["cores"]} cores ({info["threads"]} '
            f'torch threads), torch {info["torch"]}' +
            (f', GPU {info["gpu"]}' if info['gpu'] else ''))
