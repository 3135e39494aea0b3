from .rank_correlation import (budget_regret, kd_residual, load_ground_truth,
                               rank_correlations, regret_summary,
                               teacher_awareness)
from .term_spread import (NEGLIGIBLE_RATIO, negligible_term_message,
                          term_spreads)

__all__ = [
    'budget_regret', 'kd_residual', 'load_ground_truth', 'rank_correlations',
    'regret_summary', 'teacher_awareness', 'term_spreads',
    'negligible_term_message', 'NEGLIGIBLE_RATIO'
]
