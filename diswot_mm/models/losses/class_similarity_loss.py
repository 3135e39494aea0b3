import torch

from diswot_mm.models.functional import (class_similarity,
                                         class_similarity_distance)
from diswot_mm.registry import MODELS
from .semantic_similarity_loss import SemanticSimilarityLoss


def _class_similarity_distance(g_t: torch.Tensor,
                               g_s: torch.Tensor) -> torch.Tensor:
    """M_s ("class" variant) from Grad-CAM weights (N, C_T) and (N, C_S)."""
    return class_similarity_distance(
        class_similarity(g_t), class_similarity(g_s))


@MODELS.register_module()
class ClassSimilarityLoss(SemanticSimilarityLoss):
    """L_Ms of DisWOT+ for unequal widths: the Grad-CAM class-similarity
    distance M_s ("class" variant) between student and teacher.

    The inputs of :class:`SemanticSimilarityLoss` (pooled features, logits,
    data samples of both networks); the distance is the search metric with
    ``semantic='class'``
    (:func:`diswot_mm.models.functional.class_similarity`,
    :func:`~diswot_mm.models.functional.class_similarity_distance`): the
    N x N similarity of the classes' Grad-CAM weights, so the final widths
    of teacher and student may differ. The teacher is detached.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    distance = staticmethod(_class_similarity_distance)
