from .search_loop import TrainingFreeSearchLoop
from .search_state import SearchStateError, find_states

__all__ = ['SearchStateError', 'TrainingFreeSearchLoop', 'find_states']
