"""The DisWOT similarity metrics as pure tensor functions.

One implementation serves the training-free estimator (random networks) and
the distillation losses (trained teacher, student in training). Notation of
the DisWOT paper (Dong, Li, Wei, CVPR 2023): A is the feature map entering
global average pooling, shape (B, C, H, W); f = GAP(A), shape (B, C);
logits z = W f + b with W of shape (N, C) for N classes.

Normalisation follows the official DisWOT code: squared Frobenius norms of
row-L2-normalised matrices, divided by B^2 (relation), C N (semantic, grad
variant), N^2 averaged over samples (semantic, cam variant) or N^2 (semantic,
class variant: the N x N class similarity of the Grad-CAM weights). The paper
writes plain L2 norms; a single term ranks candidates identically either way.

Every function computes in float32 (or wider) with autocast off, whatever the
caller's precision: under AMP, fp16 underflows below 6e-8 (the Grad-CAM
weights of classes with tiny gradients, and the 1e-12 floor itself) and
overflows above 65504 (Gram matrices of Gaussian-initialised networks). The
result comes back in the caller's dtype (:func:`computed_in_float32`).
"""
import functools
from typing import Callable

import torch
import torch.nn.functional as F

#: Row norms below this are treated as this, as ``F.normalize`` does (the
#: official code's default) in every row-normalised matrix.
EPS = 1e-12

HALF_DTYPES = (torch.float16, torch.bfloat16)


def computed_in_float32(fn: Callable) -> Callable:
    """Decorator: run ``fn`` with autocast off and its fp16 / bf16 tensor
    arguments (positional or keyword) cast to float32; return its tensor
    result in the dtype of its floating tensor arguments promoted together
    (the caller's dtype: bf16 for bf16 inputs, float32 for float32).

    Float32 and float64 arguments pass unchanged and autocast off changes
    nothing outside autocast, so a float32 call computes exactly what it
    computed without the decorator (bit for bit).
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        tensors = [
            a for a in (*args, *kwargs.values())
            if isinstance(a, torch.Tensor) and a.is_floating_point()
        ]
        if not tensors:
            return fn(*args, **kwargs)
        dtype = functools.reduce(torch.promote_types,
                                 (t.dtype for t in tensors))

        def up(a):
            return (a.float() if isinstance(a, torch.Tensor)
                    and a.dtype in HALF_DTYPES else a)

        with torch.autocast(tensors[0].device.type, enabled=False):
            out = fn(*map(up, args), **{k: up(v) for k, v in kwargs.items()})
        return out.to(dtype)

    return wrapper


@computed_in_float32
def relation_matrix(feat: torch.Tensor) -> torch.Tensor:
    """Sample-relation matrix of Similarity-Preserving KD.

    Args:
        feat (Tensor): Feature map A, shape (B, C, H, W) or (B, D).

    Returns:
        Tensor: G = Q Q^T with Q = A reshaped to (B, C*H*W), each row
        L2-normalised; shape (B, B).
    """
    q = feat.flatten(1)
    return F.normalize(q @ q.t(), dim=1, eps=EPS)


@computed_in_float32
def relation_distance(rel_t: torch.Tensor,
                      rel_s: torch.Tensor) -> torch.Tensor:
    """M_r = ||G^_T - G^_S||_F^2 / B^2 between two :func:`relation_matrix`.

    Works for any widths and resolutions of teacher and student.

    Args:
        rel_t (Tensor): Teacher relation matrix, shape (B, B).
        rel_s (Tensor): Student relation matrix, shape (B, B).

    Returns:
        Tensor: A scalar.
    """
    return _square_distance(rel_t, rel_s, 'relation matrices', 'batch')


@computed_in_float32
def gradcam_weights(pooled: torch.Tensor, logits: torch.Tensor,
                    labels: torch.Tensor) -> torch.Tensor:
    """Grad-CAM weights: the gradient of the mean cross-entropy w.r.t. the
    final linear weight W, in closed form (no backward pass).

    d CE / d W = (softmax(z) - onehot(y))^T f / B.

    Args:
        pooled (Tensor): Pooled features f, shape (B, C).
        logits (Tensor): Logits z = W f + b, shape (B, N).
        labels (Tensor): Class indices y, shape (B,).

    Returns:
        Tensor: g, shape (N, C).
    """
    num_classes = logits.shape[1]
    residual = logits.softmax(dim=1) - F.one_hot(labels, num_classes).to(
        logits.dtype)
    return residual.t() @ pooled / logits.shape[0]


@computed_in_float32
def semantic_distance(g_t: torch.Tensor, g_s: torch.Tensor) -> torch.Tensor:
    """M_s ("grad" variant) = sum_n ||E^_n,T - E^_n,S||_F^2 / (C N), exactly
    as the official code computes it.

    E_n = g_n g_n^T (C x C), each row normalised by ``F.normalize``:
    row / max(||row||, 1e-12). Row i of E_n is g_n[i] g_n with norm
    |g_n[i]| ||g_n||, so row i of E^_n is u_i g_n with
    u_i = g_n[i] / max(|g_n[i]| ||g_n||, 1e-12), and for a = g_n,T,
    b = g_n,S:
    ||E^_n,T - E^_n,S||^2 = ||a||^2 ||u_a||^2 + ||b||^2 ||u_b||^2
    - 2 (a . b) (u_a . u_b): O(C) per class instead of O(C^2), computed in
    float64. The 1e-12 floor is part of the metric: the rows of classes with
    tiny gradients (neither in the batch nor predicted by a saturated
    softmax) shrink towards zero instead of counting at full weight.

    Args:
        g_t (Tensor): Teacher :func:`gradcam_weights`, shape (N, C).
        g_s (Tensor): Student :func:`gradcam_weights`, shape (N, C).

    Returns:
        Tensor: A scalar.
    """
    if g_t.shape != g_s.shape:
        raise ValueError(
            f'semantic "grad" variant needs equal shapes (classes N, final '
            f'width C): teacher {tuple(g_t.shape)}, student '
            f'{tuple(g_s.shape)}. Use the "class" variant '
            '(class_similarity) for unequal widths.')
    num_classes, channels = g_s.shape
    a, b = g_t.double(), g_s.double()
    norm_a, norm_b = a.norm(dim=1, keepdim=True), b.norm(dim=1, keepdim=True)
    u_a = a / (a.abs() * norm_a).clamp_min(EPS)
    u_b = b / (b.abs() * norm_b).clamp_min(EPS)
    dist = (norm_a.squeeze(1)**2 * u_a.pow(2).sum(1) +
            norm_b.squeeze(1)**2 * u_b.pow(2).sum(1) - 2 * (a * b).sum(1) *
            (u_a * u_b).sum(1)).sum()
    return dist / (channels * num_classes)  # cast back by the decorator


@computed_in_float32
def class_gram(feat: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Class Gram of the class activation maps (the paper's semantic term).

    Args:
        feat (Tensor): Feature map A, shape (B, C, H, W).
        weight (Tensor): Final linear weight W, shape (N, C).

    Returns:
        Tensor: K_b = M_b M_b^T with M_b = W A_b (N x HW), rows
        L2-normalised; shape (B, N, N).
    """
    if feat.shape[1] != weight.shape[1]:
        raise ValueError(f'feature width {feat.shape[1]} does not match the '
                         f'linear layer input width {weight.shape[1]}.')
    cams = torch.einsum('nc,bcp->bnp', weight, feat.flatten(2))
    return F.normalize(cams @ cams.transpose(1, 2), dim=2, eps=EPS)


@computed_in_float32
def class_gram_distance(gram_t: torch.Tensor,
                        gram_s: torch.Tensor) -> torch.Tensor:
    """M_s ("cam" variant) = mean_b ||K^_b,T - K^_b,S||_F^2 / N^2.

    Works when teacher and student final widths differ.

    Args:
        gram_t (Tensor): Teacher :func:`class_gram`, shape (B, N, N).
        gram_s (Tensor): Student :func:`class_gram`, shape (B, N, N).

    Returns:
        Tensor: A scalar.
    """
    if gram_t.shape != gram_s.shape:
        raise ValueError(f'class grams differ in shape: teacher '
                         f'{tuple(gram_t.shape)}, student '
                         f'{tuple(gram_s.shape)} (same batch and classes).')
    num_classes = gram_t.shape[1]
    return (gram_t - gram_s).pow(2).sum((1, 2)).mean() / num_classes**2


@computed_in_float32
def class_similarity(g: torch.Tensor) -> torch.Tensor:
    """Class similarity of the Grad-CAM weights (the "class" semantic
    variant): how alike the classes' channel importances are.

    Args:
        g (Tensor): :func:`gradcam_weights`, shape (N, C).

    Returns:
        Tensor: Q = g g^T, each row normalised by ``F.normalize``
        (row / max(||row||, 1e-12)); shape (N, N), whatever C.
    """
    return F.normalize(g @ g.t(), dim=1, eps=EPS)


@computed_in_float32
def class_similarity_distance(sim_t: torch.Tensor,
                              sim_s: torch.Tensor) -> torch.Tensor:
    """M_s ("class" variant) = ||Q^_T - Q^_S||_F^2 / N^2 between two
    :func:`class_similarity`.

    Works when teacher and student final widths differ. As in "grad", the
    1e-12 floor makes the rows of classes with tiny gradients vanish.

    Args:
        sim_t (Tensor): Teacher class similarity, shape (N, N).
        sim_s (Tensor): Student class similarity, shape (N, N).

    Returns:
        Tensor: A scalar.
    """
    return _square_distance(sim_t, sim_s, 'class similarities', 'classes')


def _square_distance(mat_t: torch.Tensor, mat_s: torch.Tensor, what: str,
                     same: str) -> torch.Tensor:
    """||T - S||_F^2 / n^2 of two (n, n) matrices; ValueError naming
    ``what`` and the ``same`` dimension they need when the shapes differ."""
    if mat_t.shape != mat_s.shape:
        raise ValueError(f'{what} differ in shape: teacher '
                         f'{tuple(mat_t.shape)}, student '
                         f'{tuple(mat_s.shape)} (same {same} needed).')
    return (mat_t - mat_s).pow(2).sum() / mat_t.shape[0]**2
