from .rank_correlation import (budget_regret, kd_residual, load_ground_truth,
                               rank_correlations, regret_summary,
                               teacher_awareness)

__all__ = [
    'budget_regret', 'kd_residual', 'load_ground_truth', 'rank_correlations',
    'regret_summary', 'teacher_awareness'
]
