import torch
import torch.nn as nn

from diswot_mm.models.functional import class_gram, class_gram_distance
from diswot_mm.registry import MODELS


@MODELS.register_module()
class ClassGramSimilarityLoss(nn.Module):
    """L_Ms of DisWOT+ for unequal widths: the class-activation-map Gram
    distance M_s ("cam" variant) between student and teacher.

    The same functions as the search metric with ``semantic='cam'``
    (:func:`diswot_mm.models.functional.class_gram`,
    :func:`~diswot_mm.models.functional.class_gram_distance`); the teacher
    is detached. Works for any final widths and resolutions.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, feat_S: torch.Tensor, weight_S: torch.Tensor,
                feat_T: torch.Tensor, weight_T: torch.Tensor) -> torch.Tensor:
        """Forward computation.

        Args:
            feat_S (Tensor): Student feature map entering its pooling,
                (B, C_S, H, W).
            weight_S (Tensor): Student final linear weight, (N, C_S).
            feat_T (Tensor): Teacher feature map, (B, C_T, H', W').
            weight_T (Tensor): Teacher final linear weight, (N, C_T).

        Returns:
            Tensor: The weighted loss, a scalar.
        """
        gram_t = class_gram(feat_T.detach(), weight_T.detach())
        return self.loss_weight * class_gram_distance(
            gram_t, class_gram(feat_S, weight_S))
