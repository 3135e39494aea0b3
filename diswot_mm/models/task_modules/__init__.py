from .estimators import *  # noqa: F401,F403
