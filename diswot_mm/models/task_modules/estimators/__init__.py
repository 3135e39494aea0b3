from .active_path_resource_estimator import (ActivePathResourceEstimator,
                                             check_constraints, run_eval)
from .az_nas import AZNASEstimator
from .base_training_free import (BaseTrainingFreeEstimator,
                                 TrainingFreeEstimator, fill_minibatch)
from .builder import build_resource_estimator, build_score_estimator
from .diswot_estimator import DisWOTEstimator
from .ensemble_estimator import EnsembleEstimator, combine_scores
from .meco import MeCoEstimator
from .swap import SWAPEstimator
from .zero_cost_proxies import (EPENASEstimator, FisherEstimator,
                                FlopsEstimator, GradNormEstimator,
                                GraSPEstimator, JacobCovEstimator,
                                L2NormEstimator, NASWOTEstimator,
                                ParamsEstimator, PlainEstimator, SNIPEstimator,
                                SynFlowEstimator, ZenEstimator, ZiCoEstimator)

__all__ = [
    'AZNASEstimator', 'ActivePathResourceEstimator',
    'BaseTrainingFreeEstimator', 'DisWOTEstimator', 'EPENASEstimator',
    'EnsembleEstimator', 'FisherEstimator', 'FlopsEstimator', 'GraSPEstimator',
    'GradNormEstimator', 'JacobCovEstimator', 'L2NormEstimator',
    'MeCoEstimator', 'NASWOTEstimator', 'ParamsEstimator', 'PlainEstimator',
    'SNIPEstimator', 'SWAPEstimator', 'SynFlowEstimator',
    'TrainingFreeEstimator', 'ZenEstimator', 'ZiCoEstimator',
    'build_resource_estimator', 'build_score_estimator', 'check_constraints',
    'combine_scores', 'fill_minibatch', 'run_eval'
]
