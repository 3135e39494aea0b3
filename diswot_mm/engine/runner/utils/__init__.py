from .genetic import breeding_counts, crossover, mutate, random_choices
from .scoring import (CandidateRecord, Records, add_records,
                      combine_population, generation_summary, ranked,
                      score_candidate)
from .settings import (DEFAULT_RESOURCE_ESTIMATOR, SearchSettings,
                       no_feasible_message, resolution_warning)

__all__ = [
    'CandidateRecord', 'DEFAULT_RESOURCE_ESTIMATOR', 'Records',
    'SearchSettings', 'add_records', 'breeding_counts', 'combine_population',
    'crossover', 'generation_summary', 'mutate', 'no_feasible_message',
    'random_choices', 'ranked', 'resolution_warning', 'score_candidate'
]
