from .diswot_estimator import DisWOTEstimator

__all__ = ['DisWOTEstimator']
