from .single_path import (SinglePathChoiceRoute, SinglePathMutableOP,
                          to_single_path)

__all__ = ['SinglePathChoiceRoute', 'SinglePathMutableOP', 'to_single_path']
