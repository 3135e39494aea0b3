import torch
import torch.nn as nn

from diswot_mm.models.functional import (computed_in_float32,
                                         relation_distance, relation_matrix)
from diswot_mm.registry import MODELS


@MODELS.register_module()
class RelationSimilarityLoss(nn.Module):
    """L_Mr of DisWOT+: the sample-relation distance M_r between the
    student's and the teacher's feature maps, as a distillation loss.

    The same function as the search metric
    (:func:`diswot_mm.models.functional.relation_distance`); the teacher is
    detached. Works for any widths and resolutions. Under autocast it
    computes in float32 and returns the loss in the inputs' dtype.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    @computed_in_float32
    def forward(self, feat_S: torch.Tensor,
                feat_T: torch.Tensor) -> torch.Tensor:
        """Forward computation.

        Args:
            feat_S (Tensor): Student feature map, (B, C, H, W) or (B, D).
            feat_T (Tensor): Teacher feature map, (B, C', H', W') or (B, D').

        Returns:
            Tensor: The weighted loss, a scalar.
        """
        return self.loss_weight * relation_distance(
            relation_matrix(feat_T.detach()), relation_matrix(feat_S))
