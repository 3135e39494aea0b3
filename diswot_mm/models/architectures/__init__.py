from .fixed_subnet import fixed_subnet

__all__ = ['fixed_subnet']
