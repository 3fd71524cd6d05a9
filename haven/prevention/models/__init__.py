from haven.prevention.models.plan import *  # noqa: F403
