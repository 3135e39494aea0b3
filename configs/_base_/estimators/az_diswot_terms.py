# The teacher-aware aggregate's terms (issue 34): AZ-NAS's four and DisWOT's
# two distances (lower is better: '-'), for an EnsembleEstimator with
# mode='log_rank' and members diswot (DisWOTEstimator) and az
# (AZNASEstimator); equal weights, fixed a priori.
az_diswot_terms = dict(
    semantic='-diswot.semantic',
    relation='-diswot.relation',
    expressivity='az.expressivity',
    progressivity='az.progressivity',
    trainability='az.trainability',
    complexity='az.complexity')
