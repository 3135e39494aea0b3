from .rank_correlation import (budget_regret, kd_residual, load_ground_truth,
                               rank_correlations, regret_summary,
                               teacher_awareness, top_precision)

__all__ = [
    'budget_regret', 'kd_residual', 'load_ground_truth', 'rank_correlations',
    'regret_summary', 'teacher_awareness', 'top_precision'
]
