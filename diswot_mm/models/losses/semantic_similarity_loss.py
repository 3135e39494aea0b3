from typing import List

import torch
import torch.nn as nn

from diswot_mm.models.functional import (computed_in_float32, gradcam_weights,
                                         semantic_distance)
from diswot_mm.registry import MODELS


@MODELS.register_module()
class SemanticSimilarityLoss(nn.Module):
    """L_Ms of DisWOT+: the Grad-CAM channel-similarity distance M_s
    ("grad" variant) between student and teacher, as a distillation loss.

    The Grad-CAM weights are the closed-form gradient of the mean
    cross-entropy w.r.t. each network's final linear weight, from its pooled
    features, logits and the labels; the distance is the same function as the
    search metric (:func:`diswot_mm.models.functional.semantic_distance`).
    The teacher is detached; the student's final width must equal the
    teacher's. Under autocast it computes in float32 (the Grad-CAM weights
    of unlikely classes underflow in fp16) and returns the loss in the
    inputs' dtype.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    #: M_s from the teacher's and the student's Grad-CAM weights, (N, C_T)
    #: and (N, C_S): the search metric of this variant.
    distance = staticmethod(semantic_distance)

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    @computed_in_float32
    def forward(self, pooled_S: torch.Tensor, logits_S: torch.Tensor,
                pooled_T: torch.Tensor, logits_T: torch.Tensor,
                data_samples: List) -> torch.Tensor:
        """Forward computation.

        Args:
            pooled_S (Tensor): Student pooled features (the input of its
                final linear layer), shape (B, C).
            logits_S (Tensor): Student logits, shape (B, N).
            pooled_T (Tensor): Teacher pooled features, shape (B, C).
            logits_T (Tensor): Teacher logits, shape (B, N).
            data_samples (list[DataSample]): The batch's samples, whose
                ``gt_label`` are the labels.

        Returns:
            Tensor: The weighted loss, a scalar.
        """
        labels = torch.cat([s.gt_label
                            for s in data_samples]).to(logits_S.device)
        g_t = gradcam_weights(pooled_T.detach(), logits_T.detach(), labels)
        g_s = gradcam_weights(pooled_S, logits_S, labels)
        return self.loss_weight * self.distance(g_t, g_s)
