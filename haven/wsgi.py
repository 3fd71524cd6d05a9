import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
application = get_wsgi_application()

# Load the URLs, and with them every view and service, now rather than on the first request;
# then what is loaded lives as long as the process, and the garbage collector's full passes
# need not walk it again. Without this a full pass paused a worker for ~50 ms every few
# thousand requests (~15 ms frozen), much of a public report's p99.
get_resolver().url_patterns  # noqa: B018 (imported for its effect)
gc.freeze()
