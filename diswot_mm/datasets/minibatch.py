"""One real, preprocessed minibatch: what the training-free scores run on."""
import contextlib
import copy
import difflib
import inspect
import json
from typing import Dict, Iterator, Optional, Tuple

import torch
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader

from diswot_mm.registry import (DATA_SAMPLERS, DATASETS, build_in_scope,
                                get_in_scope)

#: The embedded 20 CIFAR-100 test images, in one batch.
SAMPLE_DATALOADER = dict(
    batch_size=20,
    dataset=dict(
        type='CIFARSamples',
        subset='cifar100',
        pipeline=[dict(type='mmpretrain.PackInputs')]),
    sampler=dict(type='DefaultSampler', shuffle=False))

#: CIFAR-100 normalisation on RGB images, of the embedded sample (as
#: configs/_base_/models/resnet20_cifar.py).
CIFAR100_PREPROCESSOR = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=100,
    mean=[129.304, 124.070, 112.434],
    std=[68.170, 65.392, 70.418],
    to_rgb=False)

#: Data sets built inside :func:`dataset_cache`, by config; None outside.
_dataset_cache: Optional[Dict[str, object]] = None


@contextlib.contextmanager
def dataset_cache() -> Iterator[None]:
    """Within it, each data set config is built once: the checks before a
    search, the search loop and its estimators share the data set (a search
    would otherwise index e.g. ImageNet's folders three times). Nested uses
    share the outer cache; it is emptied on leaving the outermost."""
    global _dataset_cache
    if _dataset_cache is not None:
        yield
        return
    _dataset_cache = {}
    try:
        yield
    finally:
        _dataset_cache = None


def _build_dataset(dataset_cfg: dict, key: str):
    """Build the minibatch's data set (once per config inside
    :func:`dataset_cache`); any failure is one error naming the config key,
    the data set type and its root."""
    cache_key = json.dumps(dataset_cfg, sort_keys=True, default=repr)
    if _dataset_cache is not None and cache_key in _dataset_cache:
        return _dataset_cache[cache_key]
    try:
        dataset = build_in_scope(copy.deepcopy(dataset_cfg), DATASETS)
    except TypeError as err:  # a setting the class does not take
        raise ValueError(
            f'{key}: {dataset_cfg.get("type")} cannot be built with '
            f'{sorted(dataset_cfg)} ({err}). A key inherited from the base '
            f"config's data set? Replace it whole: {key.rsplit('.', 1)[-1]}"
            '=dict(_delete_=True, type=..., ...).') from None
    except Exception as err:  # dataset classes raise many kinds
        raise FileNotFoundError(
            f'{key}: {dataset_cfg.get("type")} at data_root='
            f'{dataset_cfg.get("data_root")!r} cannot be loaded '
            f'({type(err).__name__}: {err}). Fix {key}.data_root (or put '
            'the data there); the search does not score on other images.'
        ) from None
    if len(dataset) == 0:
        raise ValueError(f'{key}: {dataset_cfg.get("type")} at data_root='
                         f'{dataset_cfg.get("data_root")!r} holds no image.')
    if _dataset_cache is not None:
        _dataset_cache[cache_key] = dataset
    return dataset


def _check_keys(given: dict, accepted: set, key: str, what: str) -> None:
    """One error naming the first key of ``given`` not in ``accepted`` (a
    typo is otherwise ignored: ``batch_sise=8`` scored 64 images)."""
    for name in given:
        if name not in accepted:
            close = difflib.get_close_matches(name, sorted(accepted), n=1)
            hint = f'; did you mean {close[0]!r}?' if close else ''
            raise ValueError(f'{key}.{name} is not a setting of {what} (it '
                             f'takes {sorted(accepted)}){hint}')


def check_dataloader(cfg: dict, key: str = 'dataloader') -> None:
    """Refuse a dataloader config the minibatch would not honour: an
    unknown key of the dataloader or of its sampler (named, with the
    closest known one), or ``batch_size`` < 2 (sample relations and batch
    statistics need two images).

    Raises:
        ValueError: naming ``key`` and the setting.
    """
    if 'shuffle' in cfg:
        raise ValueError(
            f'{key}.shuffle: an mmengine dataloader takes it in its sampler: '
            "sampler=dict(type='DefaultSampler', shuffle=...).")
    accepted = set(
        inspect.signature(DataLoader).parameters) - {'self', 'shuffle'}
    _check_keys(cfg, accepted, key, 'an mmengine dataloader')
    sampler = cfg.get('sampler') or {}
    sampler_cls = get_in_scope(
        sampler.get('type', 'DefaultSampler'), DATA_SAMPLERS)
    if isinstance(sampler_cls, type):
        _check_keys(
            sampler,
            set(inspect.signature(sampler_cls).parameters) - {'dataset'}
            | {'type'}, f'{key}.sampler', f'its {sampler_cls.__name__}')
    if cfg.get('batch_size', 2) < 2:
        raise ValueError(
            f'{key}.batch_size={cfg["batch_size"]}: a training-free score '
            'needs at least 2 images (sample relations, batch statistics); '
            'the official code scores 64 (CIFAR) or 32 (ImageNet).')


def load_minibatch(
        dataloader: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        seed: int = 0,
        key: str = 'dataloader.dataset') -> Tuple[torch.Tensor, torch.Tensor]:
    """The first batch of a dataloader config, preprocessed.

    The batch is drawn here, not by the config's sampler, so that every
    process of a distributed search sees the same images (a distributed
    sampler would give each rank its own shard).

    Args:
        dataloader (dict, optional): An mmengine dataloader config; its
            ``dataset``, ``batch_size`` and ``sampler.shuffle`` are used.
            Defaults to :data:`SAMPLE_DATALOADER` (no download needed).
        data_preprocessor (dict, optional): A data preprocessor config.
            Defaults to :data:`CIFAR100_PREPROCESSOR`.
        seed (int): Seed of the shuffling when ``sampler.shuffle`` is on.
            Defaults to 0.
        key (str): Where the dataset config sits, for error messages.

    Returns:
        tuple: ``inputs`` of shape (B, 3, H, W), float32, normalised, and
        ``labels`` of shape (B,), int64.

    Raises:
        FileNotFoundError: the data set cannot be built (missing or corrupt
            data, a mistyped root).
        ValueError: a setting :func:`check_dataloader` refuses, an empty
            data set, items without an image (a pipeline that loads none),
            or images of different sizes (the preprocessor would zero-pad
            them to the largest without a word).
    """
    cfg = copy.deepcopy(dataloader or SAMPLE_DATALOADER)
    check_dataloader(
        cfg,
        key.rsplit('.', 1)[0] if key.endswith('.dataset') else 'dataloader')
    dataset = _build_dataset(cfg['dataset'], key)
    preprocessor = build_in_scope(
        copy.deepcopy(data_preprocessor or CIFAR100_PREPROCESSOR))
    batch_size = min(cfg.get('batch_size', len(dataset)), len(dataset))
    if cfg.get('sampler', {}).get('shuffle', False):
        generator = torch.Generator().manual_seed(seed)
        indices = torch.randperm(len(dataset), generator=generator)
    else:
        indices = torch.arange(len(dataset))
    items = [dataset[int(i)] for i in indices[:batch_size]]
    if 'inputs' not in items[0]:
        raise ValueError(
            f'{key}: the items of {cfg["dataset"].get("type")} hold no image '
            f'(keys {sorted(items[0])}): its pipeline loads none. A data set '
            "of image files needs dict(type='mmpretrain.LoadImageFromFile') "
            "(and a resize) before dict(type='mmpretrain.PackInputs').")
    sizes = sorted({tuple(item['inputs'].shape[-2:]) for item in items})
    if len(sizes) > 1:
        raise ValueError(
            f'{key}: the minibatch holds images of {len(sizes)} sizes (H, W) '
            f'from {sizes[0]} to {sizes[-1]}; they would be zero-padded to '
            'the largest. Add a resize step to its pipeline, e.g. '
            "dict(type='mmpretrain.Resize', scale=32) or "
            "dict(type='mmpretrain.ResizeEdge', scale=256, edge='short') + "
            "dict(type='mmpretrain.CenterCrop', crop_size=224), before "
            'PackInputs.')
    data = preprocessor(pseudo_collate(items), training=False)
    labels = torch.cat([s.gt_label for s in data['data_samples']])
    return data['inputs'].float(), labels.long()


def _data_root(dataset_cfg: dict) -> Optional[str]:
    """The data set's root: its config's ``data_root``, else the default
    of its class's ``data_root`` argument (e.g. ``FashionMNIST32``'s
    system folder); None when neither says."""
    if 'data_root' in dataset_cfg:
        return dataset_cfg['data_root']
    dataset_cls = get_in_scope(dataset_cfg.get('type'), DATASETS)
    if dataset_cls is None:
        return None
    param = inspect.signature(dataset_cls).parameters.get('data_root')
    return None if param is None or param.default is param.empty else (
        param.default)


def describe_minibatch(dataloader: Optional[dict],
                       inputs: torch.Tensor) -> dict:
    """What scores were computed on: data set type and root (the class's
    default root when the config names none), number of images, input
    shape (B, C, H, W), and whether it is the embedded sample
    (``CIFARSamples``)."""
    dataset = (dataloader or SAMPLE_DATALOADER)['dataset']
    embedded = dataset.get('type') == 'CIFARSamples'
    return dict(
        dataset=str(dataset.get('type')),
        data_root=('diswot_mm/datasets/cifar_samples'
                   if embedded else _data_root(dataset)),
        images=int(inputs.shape[0]),
        input_shape=list(inputs.shape),
        embedded_sample=embedded)


def describe_minibatches(info: Dict[str, dict]) -> str:
    """One line per estimator (or member) of what it scores on; ``'no
    images'`` for resource counts alone."""
    return '; '.join(
        f'{name}: {m["images"]} images of {m["dataset"]}' +
        ('' if m['data_root'] is None else f' at {m["data_root"]!r}') +
        f', input {tuple(m["input_shape"])}' +
        (' (THE EMBEDDED SAMPLE, not your data set)'
         if m['embedded_sample'] else '')
        for name, m in info.items()) or 'no images'


def apply_sample_fallback(estimator: dict,
                          fallback: Optional[dict] = None,
                          logger=None,
                          key: str = 'estimator') -> None:
    """Check that the data set of ``estimator['dataloader']`` (and of each
    member's in an ensemble's ``estimators``) can be loaded, before any
    scoring; score on the embedded sample where, and only where, the config
    says so: when that data set is missing AND its ``data_root`` is
    ``fallback['data_root']``, the dataloader becomes ``fallback``'s
    (default: the 20 embedded CIFAR-100 images; the config's batch_size
    kept where it is smaller), with a warning that says how many images.

    Args:
        estimator (dict): Estimator config, changed in place.
        fallback (dict, optional): ``dict(data_root=..., dataloader=...)``;
            None: no fallback.
        logger: Where the warning goes (mmengine logger).
        key (str): Config key of ``estimator``, for the messages.

    Raises:
        FileNotFoundError: a data set that cannot be loaded and has no
            fallback (naming ``<key>.dataloader.dataset`` and its root).
        ValueError: a dataloader setting :func:`check_dataloader` refuses.
        TypeError: ``estimator`` (or a member) is no config dict with a
            ``type`` (e.g. a whole dict given after ``=`` in
            ``--cfg-options``, which mmengine reads as a list).
    """
    if not (isinstance(estimator, dict) and 'type' in estimator):
        raise TypeError(
            f'{key} must be an estimator config dict(type=..., ...), got '
            f'{estimator!r}. On the command line set its keys one by one '
            f'(--cfg-options {key}.type=NAME {key}.ARG=VALUE): a dict '
            'written after "=" is read as a list.')
    for name, member in estimator.get('estimators', {}).items():
        apply_sample_fallback(member, fallback, logger,
                              f'{key}.estimators.{name}')
    loader = estimator.get('dataloader')
    if loader is None:
        return
    check_dataloader(loader, f'{key}.dataloader')
    try:
        _build_dataset(loader['dataset'], f'{key}.dataloader.dataset')
        return
    except FileNotFoundError:
        root = loader['dataset'].get('data_root')
        if not fallback or root != fallback['data_root']:
            raise
    sample = fallback.get('dataloader') or SAMPLE_DATALOADER
    wanted, held = loader.get('batch_size'), sample.get('batch_size')
    kept = wanted is not None and held is not None and wanted < held
    message = (f'{loader["dataset"].get("type")} is not on disk at {root!r}:'
               f' scoring on {sample["dataset"]["type"]} (the '
               f'{held or ""} real test images embedded in diswot_mm' +
               (f'; {wanted} of them, your batch_size' if kept else
                f'; all of them, fewer than your batch_size={wanted}'
                if wanted is not None and held is not None else '') +
               '), as the config allows (sample_fallback). Put the data set '
               'there for a real minibatch.')
    if logger is not None:
        logger.warning(message)
    # None stands for the default sample (as states of earlier versions
    # recorded it, so their searches still resume)
    estimator['dataloader'] = (
        dict(copy.deepcopy(sample), batch_size=wanted)
        if kept else copy.deepcopy(fallback.get('dataloader')))
