from .export import (OPSET, Logits, UnexportableError, export_onnx,
                     find_unexportable, latency, ort_session, parity, run_onnx)

__all__ = [
    'OPSET', 'Logits', 'UnexportableError', 'export_onnx', 'find_unexportable',
    'latency', 'ort_session', 'parity', 'run_onnx'
]
