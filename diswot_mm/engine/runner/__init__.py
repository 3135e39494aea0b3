from .search_loop import TrainingFreeSearchLoop, find_search_ckpts

__all__ = ['TrainingFreeSearchLoop', 'find_search_ckpts']
