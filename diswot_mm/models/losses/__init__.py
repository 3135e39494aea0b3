from .relation_similarity_loss import RelationSimilarityLoss
from .semantic_similarity_loss import SemanticSimilarityLoss

__all__ = ['RelationSimilarityLoss', 'SemanticSimilarityLoss']
