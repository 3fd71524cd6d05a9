from haven.prevention.models.care import *  # noqa: F403
from haven.prevention.models.plan import *  # noqa: F403
