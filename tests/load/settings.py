"""The production settings for the CI load test, with one change: static files uncompressed.

collectstatic under the production storage (WhiteNoise's compressed manifest)
compresses every file twice and took over two minutes on CI's busy cores;
Django's plain manifest storage gives the same hashed names and manifest,
served by the same WhiteNoise middleware. Everything else is production's.
`make loadtest` runs with config.settings.production itself.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
