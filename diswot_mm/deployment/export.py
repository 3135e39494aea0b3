"""Deploy a student: ONNX export, parity with torch on onnxruntime, latency.

The exporter is torch's TorchScript-based one (``dynamo=False``): it needs
no ``onnxscript``, exports the fixed mmrazor subnets and mmpretrain
classifiers of this project in well under a second, and is the one
``onnxruntime``'s CPU provider has been checked against here (torch 2.13
marks it deprecated; the ``dynamo`` exporter is its successor).
"""
import contextlib
import io
import os
import statistics
import sys
import time
import warnings
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn

#: ONNX opset of the export (onnxruntime >= 1.12 runs it).
OPSET = 17
INPUT_NAME, OUTPUT_NAME = 'input', 'logits'


class UnexportableError(RuntimeError):
    """The network holds a module that torch cannot export to ONNX."""


class Logits(nn.Module):
    """A classifier as a plain ``images -> logits`` module.

    Args:
        model (nn.Module): An mmpretrain ``ImageClassifier`` (or any model
            taking ``mode='tensor'``): (N, C, H, W) normalised images ->
            (N, num_classes) logits.
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.model(inputs, mode='tensor')


@contextlib.contextmanager
def _quiet():
    """Without the exporter's deprecation warnings and the graph it dumps
    (from C++, to the process's standard streams) when it fails: our error
    says what failed."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    try:
        with open(os.devnull, 'w') as null, warnings.catch_warnings():
            warnings.simplefilter('ignore')
            for fd in saved:
                os.dup2(null.fileno(), fd)
            with contextlib.redirect_stdout(io.StringIO()):
                yield
    finally:
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)


def _export(module: nn.Module, args: tuple, f, dynamic_batch: bool) -> None:
    axes = {INPUT_NAME: {0: 'batch'}, OUTPUT_NAME: {0: 'batch'}}
    torch.onnx.export(
        module,
        args,
        f,
        dynamo=False,
        opset_version=OPSET,
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        dynamic_axes=axes if dynamic_batch else None)


def find_unexportable(model: nn.Module,
                      inputs: torch.Tensor) -> Optional[tuple]:
    """The innermost submodule of ``model`` that does not export alone.

    One forward records each submodule's positional tensor inputs; the
    submodules are then exported one by one, innermost first.

    Returns:
        tuple | None: ``(name, module, error)`` of the first that fails, or
        None when each exports alone.
    """
    recorded: Dict[str, tuple] = {}
    handles = []
    for name, module in model.named_modules():

        def hook(mod, args, kwargs, name=name):
            if (name not in recorded and not kwargs and args
                    and all(isinstance(a, torch.Tensor) for a in args)):
                recorded[name] = tuple(a.detach() for a in args)

        handles.append(
            module.register_forward_pre_hook(hook, with_kwargs=True))
    try:
        with torch.no_grad():
            model(inputs)
    finally:
        for handle in handles:
            handle.remove()
    modules = dict(model.named_modules())
    for name in reversed(list(modules)):  # descendants before ancestors
        if name not in recorded:
            continue
        try:
            with _quiet():
                torch.onnx.export(
                    modules[name],
                    recorded[name],
                    io.BytesIO(),
                    dynamo=False,
                    opset_version=OPSET)
        except Exception as err:  # the exporter raises many kinds
            return name, modules[name], err
    return None


def export_onnx(model: nn.Module,
                inputs: torch.Tensor,
                path: str,
                dynamic_batch: bool = False) -> None:
    """Export ``model`` (eval mode, ``inputs -> logits``) to ``path`` and
    check the file with ``onnx.checker``.

    Args:
        model (nn.Module): Takes (N, C, H, W) float tensors (e.g.
            :class:`Logits`).
        inputs (Tensor): An example input; its shape is the graph's, the
            batch dimension symbolic with ``dynamic_batch``.
        path (str): The ``.onnx`` file to write.
        dynamic_batch (bool): A symbolic batch dimension. Defaults to False.

    Raises:
        UnexportableError: an operation torch cannot export, naming the
            innermost module that holds it (``model.`` path and class).
    """
    import onnx
    model.eval()
    try:
        with _quiet(), torch.no_grad():
            _export(model, (inputs, ), path, dynamic_batch)
    except Exception as err:  # the exporter raises many kinds
        if os.path.exists(path):
            os.remove(path)  # a partial file of this call
        found = find_unexportable(model, inputs)
        if found and isinstance(model, Logits):  # the classifier's names
            found = (found[0][len('model.'):], ) + found[1:]
        where = (f'{found[0] or "the model"} ({type(found[1]).__name__})'
                 if found else 'the model as a whole (each of its modules '
                 'exports alone)')
        cause = found[2] if found else err
        raise UnexportableError(
            f'{where} cannot be exported to ONNX (opset {OPSET}): '
            f'{type(cause).__name__}: {str(cause).splitlines()[0][:300]}. '
            'Replace that operation by one ONNX supports (torch.onnx '
            'documents them) or choose a student without it.') from None
    onnx.checker.check_model(onnx.load(path), full_check=True)


def ort_session(path: str, threads: int = 1):
    """An onnxruntime CPU session on ``threads`` intra-op threads (one
    inter-op thread), all graph optimisations on."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = (
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
    return ort.InferenceSession(
        path, options, providers=['CPUExecutionProvider'])


def run_onnx(session, images: torch.Tensor,
             batch: Optional[int]) -> np.ndarray:
    """Logits of ``images`` (N, C, H, W) from an onnxruntime session, in
    chunks of ``batch`` (the graph's fixed batch size; None: all at once)."""
    step = batch or len(images)
    return np.concatenate([
        session.run([OUTPUT_NAME], {INPUT_NAME: images[i:i + step].numpy()})[0]
        for i in range(0, len(images), step)
    ])


def parity(model: nn.Module, session, images: torch.Tensor,
           batch: Optional[int]) -> dict:
    """torch vs onnxruntime logits on ``images`` (N, C, H, W).

    Returns:
        dict: ``max_abs_diff`` (logit units), ``max_abs_logit`` (of torch's,
        the scale), ``top1_agreement`` (fraction of images with the same
        arg max), ``images`` (N).
    """
    with torch.no_grad():
        expected = model.eval()(images).numpy()
    got = run_onnx(session, images, batch)
    return dict(
        max_abs_diff=float(np.abs(got - expected).max()),
        max_abs_logit=float(np.abs(expected).max()),
        top1_agreement=float((got.argmax(1) == expected.argmax(1)).mean()),
        images=len(images))


def latency(session,
            shape: Sequence[int],
            runs: int = 50,
            warmup: int = 10,
            threads: int = 1) -> dict:
    """Wall time of one onnxruntime run on a fixed random input of
    ``shape`` (batch 1 for a per-image latency).

    Returns:
        dict: ``median_ms`` and ``p90_ms`` of ``runs`` timed runs after
        ``warmup`` untimed ones, with ``runs``, ``warmup``, ``threads``,
        ``shape`` and ``provider``.
    """
    feed = {
        INPUT_NAME:
        torch.randn(*shape,
                    generator=torch.Generator().manual_seed(0)).numpy()
    }
    for _ in range(warmup):
        session.run([OUTPUT_NAME], feed)
    times: List[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run([OUTPUT_NAME], feed)
        times.append((time.perf_counter() - start) * 1e3)
    return dict(
        median_ms=statistics.median(times),
        p90_ms=float(np.percentile(times, 90)),
        runs=runs,
        warmup=warmup,
        threads=threads,
        shape=list(shape),
        provider=session.get_providers()[0])
