from haven.prevention.models.care import *  # noqa: F403
