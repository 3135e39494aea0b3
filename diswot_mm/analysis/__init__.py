from .rank_correlation import (
    budget_regret,
    load_ground_truth,
    rank_correlations,
    regret_summary,
)

__all__ = [
    'budget_regret', 'load_ground_truth', 'rank_correlations',
    'regret_summary'
]
