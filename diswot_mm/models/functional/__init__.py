from .semantic_variants import SEMANTIC_VARIANTS, SemanticVariant
from .similarity import (class_gram, class_gram_distance, class_similarity,
                         class_similarity_distance, computed_in_float32,
                         gradcam_weights, relation_distance, relation_matrix,
                         semantic_distance)

__all__ = [
    'relation_matrix', 'relation_distance', 'gradcam_weights',
    'semantic_distance', 'class_gram', 'class_gram_distance',
    'class_similarity', 'class_similarity_distance', 'computed_in_float32',
    'SEMANTIC_VARIANTS', 'SemanticVariant'
]
