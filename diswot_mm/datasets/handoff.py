"""Which data a searched student is distilled on.

A search scores students on the user's data, but the distillation configs
it writes inherit their data from a base config (CIFAR-100 for the shipped
ones). When the two differ, the written config records the search's data
set as ``searched_on``, and :func:`check_searched_on` stops a training run
that would still use the inherited data.
"""
import os.path as osp
from typing import Dict, Optional, Tuple

from .minibatch import _data_root


def dataset_identity(dataset_cfg: dict) -> Tuple[str, Optional[str]]:
    """``(type, data_root)`` of a data set config: the type without an
    ``mmpretrain.`` prefix, the root (its class's default when the config
    names none) as an absolute path, or None."""
    root = _data_root(dataset_cfg)
    kind = str(dataset_cfg.get('type'))
    if kind.startswith('mmpretrain.'):
        kind = kind[len('mmpretrain.'):]
    return kind, None if root is None else osp.abspath(root)


def searched_data(minibatch: Dict[str, dict]) -> Optional[dict]:
    """The data set a search scored on (``loop.minibatch``: what each
    estimator scored on), as ``dict(dataset=..., data_root=...)``; None
    when it scored on the embedded sample (a stand-in for CIFAR-100) or on
    no images."""
    for info in minibatch.values():
        if info['images'] and not info['embedded_sample']:
            return dict(dataset=info['dataset'], data_root=info['data_root'])
    return None


def trains_on(searched: dict, dataset_cfg: Optional[dict]) -> bool:
    """Whether ``dataset_cfg`` (a ``train_dataloader.dataset``) is the data
    set ``searched`` (:func:`searched_data`) names."""
    return dataset_cfg is not None and dataset_identity(
        dataset_cfg) == dataset_identity(
            dict(type=searched['dataset'], data_root=searched['data_root']))


def check_searched_on(cfg, config: str) -> None:
    """Refuse a distillation config written by a search on other data
    than its ``train_dataloader`` (the inherited data set).

    Raises:
        SystemExit: naming both data sets and the two ways out.
    """
    searched = cfg.get('searched_on')
    dataset = (cfg.get('train_dataloader') or {}).get('dataset')
    if searched is None or trains_on(searched, dataset):
        return
    kind, root = dataset_identity(dataset or {})
    raise SystemExit(
        f'{config} trains on {kind} at {root!r} (its train_dataloader), but '
        f'its student was searched on {searched["dataset"]} at '
        f'{searched["data_root"]!r} (searched_on, written by '
        'tools/search.py): its classes and images may not be those of your '
        'data. Set train_dataloader, val_dataloader and test_dataloader in '
        f'{config} to your data set (its data_root {searched["data_root"]!r}'
        '), or delete searched_on from it to train on the inherited data '
        'set.')
