from .active_path_resource_estimator import (ActivePathResourceEstimator,
                                             check_constraints, run_eval)
from .base_training_free import (BaseTrainingFreeEstimator,
                                 TrainingFreeEstimator, fill_minibatch)
from .diswot_estimator import DisWOTEstimator
from .ensemble_estimator import EnsembleEstimator, combine_scores
from .zero_cost_proxies import (FlopsEstimator, GradNormEstimator,
                                JacobCovEstimator, NASWOTEstimator,
                                ParamsEstimator, SNIPEstimator,
                                SynFlowEstimator, ZenEstimator, ZiCoEstimator)

__all__ = [
    'ActivePathResourceEstimator', 'BaseTrainingFreeEstimator',
    'DisWOTEstimator', 'EnsembleEstimator', 'FlopsEstimator',
    'GradNormEstimator', 'JacobCovEstimator', 'NASWOTEstimator',
    'ParamsEstimator', 'SNIPEstimator', 'SynFlowEstimator',
    'TrainingFreeEstimator', 'ZenEstimator', 'ZiCoEstimator',
    'check_constraints', 'combine_scores', 'fill_minibatch', 'run_eval'
]
