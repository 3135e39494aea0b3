"""Reproducible random initialisation of a candidate: seeds that are the
same in every process, and the init schemes."""
import hashlib
import json

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from .introspection import active_modules

INIT_SCHEMES = ('gaussian', 'default', 'kaiming_fan_in')


def derive_seed(*parts) -> int:
    """A 63-bit seed from ``parts`` that is the same in every process
    (Python's ``hash`` is salted per process)."""
    text = json.dumps([str(p) for p in parts])
    return int(hashlib.sha256(text.encode()).hexdigest()[:15], 16)


@torch.no_grad()
def random_init_(model: nn.Module, scheme: str, seed: int) -> None:
    """Re-initialise ``model`` in place, reproducibly from ``seed``.

    ``gaussian`` (the official DisWOT code): Conv2d and Linear weights
    ~ N(0, 1), biases 0; BatchNorm/GroupNorm weight 1, bias 0.
    ``kaiming_fan_in`` (the official AZ-NAS code): the same but weights
    ~ N(0, 2 / fan_in) (``kaiming_normal_``, fan_in, ReLU). ``default``:
    each module's own ``reset_parameters``. Only :func:`active_modules`
    are drawn (in their order), so a supernet's unchosen ops cost nothing
    and a candidate's weights depend only on its choices and ``seed``. The
    global RNG is left as it was.
    """
    if scheme not in INIT_SCHEMES:
        raise ValueError(f'init supports {INIT_SCHEMES}, but got {scheme!r}.')
    param = next(model.parameters())
    with torch.random.fork_rng(
            devices=[param.device] if param.is_cuda else []):
        torch.manual_seed(seed)
        for module in active_modules(model):
            if scheme == 'default':
                if hasattr(module, 'reset_parameters'):
                    module.reset_parameters()
            elif isinstance(module, (nn.Conv2d, nn.Linear)):
                if scheme == 'gaussian':
                    module.weight.normal_(0, 1)
                else:
                    nn.init.kaiming_normal_(
                        module.weight, mode='fan_in', nonlinearity='relu')
                if module.bias is not None:
                    module.bias.zero_()
            elif isinstance(module, (_BatchNorm, nn.GroupNorm)):
                if module.weight is not None:
                    module.weight.fill_(1)
                    module.bias.zero_()
