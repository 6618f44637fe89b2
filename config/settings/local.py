"""Development on a laptop: the embedded defaults of base.py, DEBUG on."""

from config.settings.base import *  # noqa: F403
