"""Export a student to ONNX and check it on onnxruntime.

    # a trained student (student-only or distillation checkpoint)
    python tools/deployment/pytorch2onnx.py work_dirs/X/student.py CKPT \\
        --out student.onnx [--shape 1 3 32 32] [--dynamic-batch]
    # a search candidate before distilling it (random init: deployability)
    python tools/deployment/pytorch2onnx.py configs/diswot_cifar100.py \\
        --fix-subnet work_dirs/diswot_cifar100/best_fix_subnet.yaml \\
        --out candidate.onnx

The graph takes images normalised as the config's data preprocessor does
(its mean / std are in the JSON) and returns logits. After the export the
file is checked (``onnx.checker``), run on onnxruntime on the embedded CIFAR
images (resized to ``--shape``) against torch (max abs logit difference, top-1
agreement; beyond ``--rtol`` it is an error) and timed (batch 1, median of
``--runs`` after ``--warmup``, ``--threads`` intra-op threads). Everything
is printed and saved next to the file (``student.json`` for
``student.onnx``).
"""
import argparse
import json
import logging
import os.path as osp
import sys

import onnxruntime
import torch
from mmengine.config import DictAction
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from mmengine.utils import mkdir_or_exist

import diswot_mm  # noqa: F401  (compat fixes, registries)
from diswot_mm.apis.cli import is_search_config, load_config
from diswot_mm.deployment import (OPSET, Logits, UnexportableError,
                                  export_onnx, latency, ort_session, parity)
from diswot_mm.registry import DATASETS, build_in_scope
from diswot_mm.utils.checkpoint import read_model_state


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'config',
        help='student.py of a search, a distillation config (its '
        'student is exported) or, with --fix-subnet, the search config')
    parser.add_argument(
        'checkpoint',
        nargs='?',
        help='student-only or distillation checkpoint (optional with '
        '--fix-subnet: without it, a seeded random init)')
    parser.add_argument('--out', required=True, help='the .onnx file')
    parser.add_argument(
        '--fix-subnet',
        help='a fix_subnet YAML (best_fix_subnet.yaml) of the search config')
    parser.add_argument(
        '--shape',
        nargs=4,
        type=int,
        default=[1, 3, 32, 32],
        metavar=('N', 'C', 'H', 'W'),
        help='input shape of the graph (default: 1 3 32 32)')
    parser.add_argument(
        '--dynamic-batch',
        action='store_true',
        help='a symbolic batch dimension')
    parser.add_argument(
        '--atol',
        type=float,
        default=1e-5,
        help='allowed |torch - onnxruntime| logit difference: atol + rtol x '
        'the largest |logit| of torch (default: 1e-5)')
    parser.add_argument(
        '--rtol', type=float, default=1e-3, help='see --atol (default: 1e-3)')
    parser.add_argument('--runs', type=int, default=50, help='timed runs')
    parser.add_argument('--warmup', type=int, default=10, help='untimed runs')
    parser.add_argument(
        '--threads', type=int, default=1, help='onnxruntime intra-op threads')
    parser.add_argument(
        '--force', action='store_true', help='overwrite --out and its JSON')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    args = parser.parse_args()
    args.work_dir, args.launcher, args.local_rank = None, 'none', 0
    return args


def student_model(cfg, config: str, fix_subnet) -> dict:
    """The model dict of the network to export.

    Raises:
        SystemExit: a search config without ``--fix-subnet`` or
            ``--fix-subnet`` with a config that has no supernet.
    """
    model = cfg.model
    search = is_search_config(cfg) or 'mutator' in model
    if fix_subnet:
        if not search or 'architecture' not in model:
            raise SystemExit(
                f'--fix-subnet needs the search config the fix_subnet came '
                f'from (its model.architecture is the supernet); {config} '
                f'has a model of type {model.get("type")!r}. Export the '
                "search's student.py with a checkpoint instead.")
        return dict(
            type='fixed_subnet',
            cfg=model.architecture,
            fix_subnet=osp.abspath(fix_subnet),
            mode='mutable')
    if search:
        raise SystemExit(
            f'{config} is a search config (its model is the supernet): give '
            'the candidate to export with --fix-subnet best_fix_subnet.yaml '
            "(from the search's work_dir), or export the work_dir's "
            'student.py with a checkpoint.')
    if 'teacher' in model or 'teacher_ckpt' in model:  # a distillation
        return model.architecture  # its student
    return model


def sample_images(network: torch.nn.Module, shape) -> torch.Tensor:
    """The 20 embedded CIFAR-100 test images resized to ``shape``'s H x W,
    normalised by ``network.data_preprocessor``: (20, C, H, W)."""
    height, width = shape[2:]
    pipeline = ([] if (height, width) == (32, 32) else
                [dict(type='mmpretrain.Resize', scale=(width, height))])
    dataset = build_in_scope(
        dict(
            type='CIFARSamples',
            subset='cifar100',
            pipeline=pipeline + [dict(type='mmpretrain.PackInputs')]),
        DATASETS)
    batch = pseudo_collate([dataset[i] for i in range(len(dataset))])
    with torch.no_grad():
        return network.data_preprocessor(batch, False)['inputs']


def preprocessing(network: torch.nn.Module) -> dict:
    """What the graph's input must be: the data preprocessor's settings."""
    pre = network.data_preprocessor
    mean, std = (getattr(pre, k, None) for k in ('mean', 'std'))
    return dict(
        type=type(pre).__name__,
        mean=None if mean is None else mean.flatten().tolist(),
        std=None if std is None else std.flatten().tolist(),
        to_rgb=bool(getattr(pre, '_channel_conversion', False)))


def main():
    args = parse_args()
    if args.shape[1] != 3:
        raise SystemExit(f'--shape {args.shape}: the parity check runs on '
                         'the embedded RGB images; give 3 channels.')
    if not args.checkpoint and not args.fix_subnet:
        raise SystemExit(
            'give CHECKPOINT (the trained student: student-only or '
            'distillation .pth); an untrained candidate is exported from '
            'the search config with --fix-subnet.')
    json_path = osp.splitext(args.out)[0] + '.json'
    existing = [p for p in (args.out, json_path) if osp.exists(p)]
    if existing and not args.force:
        raise SystemExit(f'{existing} exist: give another --out, or --force '
                         'to overwrite them.')
    cfg = load_config(args)
    model_cfg = student_model(cfg, args.config, args.fix_subnet)
    torch.manual_seed(0)  # the random init of a candidate, reproducible
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)  # not mmengine's init_weights report
    try:
        network = build_in_scope(model_cfg)
    finally:
        logger.setLevel(level)
    if args.checkpoint:
        network.load_state_dict(
            read_model_state(network, args.checkpoint, 'checkpoint', logger))
        weights = args.checkpoint
    else:
        weights = ('random init (torch seed 0): a deployability check, not '
                   'a trained student')
    network.eval()
    images = sample_images(network, args.shape)
    logits = Logits(network).eval()
    mkdir_or_exist(osp.dirname(osp.abspath(args.out)))
    try:
        export_onnx(logits, images[:args.shape[0]], args.out,
                    args.dynamic_batch)
    except UnexportableError as err:
        raise SystemExit(f'{args.config}: {err}') from None
    session = ort_session(args.out, args.threads)
    check = parity(logits, session, images,
                   None if args.dynamic_batch else args.shape[0])
    tolerance = args.atol + args.rtol * check['max_abs_logit']
    timing = latency(session, [1] +
                     args.shape[1:] if args.dynamic_batch else args.shape,
                     args.runs, args.warmup, args.threads)
    report = dict(
        config=osp.abspath(args.config),
        fix_subnet=args.fix_subnet and osp.abspath(args.fix_subnet),
        weights=weights,
        onnx=osp.abspath(args.out),
        opset=OPSET,
        input=dict(
            name='input',
            shape=['batch', *args.shape[1:]]
            if args.dynamic_batch else args.shape,
            preprocessing=preprocessing(network)),
        output='logits',
        params=sum(p.numel() for p in network.parameters()),
        parity=dict(check, tolerance=tolerance),
        latency=timing,
        versions=dict(
            torch=torch.__version__, onnxruntime=onnxruntime.__version__))
    with open(json_path, 'w') as f:
        json.dump(report, f, indent=1)
    print(f'Exported {args.out} ({report["params"] / 1e6:.3f} M params, '
          f'opset {OPSET}, input {report["input"]["shape"]}).\n'
          f'onnxruntime vs torch on {check["images"]} embedded images: max '
          f'|logit diff| {check["max_abs_diff"]:.2e} (tolerance '
          f'{tolerance:.2e}), top-1 agreement '
          f'{check["top1_agreement"]:.0%}.\n'
          f'Latency on onnxruntime (batch {timing["shape"][0]}, '
          f'{args.threads} thread(s), '
          f'median of {args.runs}): {timing["median_ms"]:.3f} ms.\n'
          f'Report: {json_path}')
    if check['max_abs_diff'] > tolerance:
        sys.exit(f'onnxruntime and torch disagree beyond the tolerance: max '
                 f'|logit diff| {check["max_abs_diff"]:.3e} > {tolerance:.3e}'
                 f' (--atol {args.atol}, --rtol {args.rtol}); the export of '
                 f'{args.out} is not '
                 'faithful (its report says by how much).')


if __name__ == '__main__':
    main()
