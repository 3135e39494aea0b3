from .class_gram_similarity_loss import ClassGramSimilarityLoss
from .relation_similarity_loss import RelationSimilarityLoss
from .semantic_similarity_loss import SemanticSimilarityLoss

__all__ = [
    'ClassGramSimilarityLoss', 'RelationSimilarityLoss',
    'SemanticSimilarityLoss'
]
