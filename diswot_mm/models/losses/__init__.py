from .class_gram_similarity_loss import ClassGramSimilarityLoss
from .class_similarity_loss import ClassSimilarityLoss
from .relation_similarity_loss import RelationSimilarityLoss
from .semantic_similarity_loss import SemanticSimilarityLoss

__all__ = [
    'ClassGramSimilarityLoss', 'ClassSimilarityLoss', 'RelationSimilarityLoss',
    'SemanticSimilarityLoss'
]
