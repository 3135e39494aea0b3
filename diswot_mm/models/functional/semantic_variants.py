"""The semantic term's variants in one table: for each, the distance the
estimator ranks by and the DisWOT+ loss (L_Ms) that distils by the same
function, so the search, the losses and the handoff cannot drift apart."""
from typing import Callable, NamedTuple

import torch

from .similarity import (class_gram_distance, class_similarity_distance,
                         semantic_distance)


class SemanticVariant(NamedTuple):
    """One semantic variant.

    Attributes:
        distance: M_s from the teacher's and the student's targets
            (``DisWOTEstimator._semantic_target``), a scalar tensor.
        loss: The registered L_Ms computing the same function.
        widths: ``'equal'`` (teacher and student final widths must match)
            or ``'any'``.
        needs_fc_weight: Whether the loss reads the final linear layer's
            weight (W, shape (N, C)) besides the features.
    """
    distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    loss: str
    widths: str
    needs_fc_weight: bool


#: ``semantic=`` of DisWOTEstimator -> its variant: "grad" (the official
#: code's C x C channel similarity of the Grad-CAM weights), "cam" (the
#: paper's class-activation-map Gram), "class" (the N x N class similarity
#: of the Grad-CAM weights).
SEMANTIC_VARIANTS = {
    'grad':
    SemanticVariant(semantic_distance, 'SemanticSimilarityLoss', 'equal',
                    False),
    'cam':
    SemanticVariant(class_gram_distance, 'ClassGramSimilarityLoss', 'any',
                    True),
    'class':
    SemanticVariant(class_similarity_distance, 'ClassSimilarityLoss', 'any',
                    False),
}
