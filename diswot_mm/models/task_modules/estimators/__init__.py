from .base_training_free import BaseTrainingFreeEstimator
from .diswot_estimator import DisWOTEstimator
from .zero_cost_proxies import (
                                FlopsEstimator,
                                GradNormEstimator,
                                JacobCovEstimator,
                                NASWOTEstimator,
                                ParamsEstimator,
                                SNIPEstimator,
                                SynFlowEstimator,
                                ZenEstimator,
)

__all__ = [
    'BaseTrainingFreeEstimator', 'DisWOTEstimator', 'FlopsEstimator',
    'GradNormEstimator', 'JacobCovEstimator', 'NASWOTEstimator',
    'ParamsEstimator', 'SNIPEstimator', 'SynFlowEstimator', 'ZenEstimator'
]
