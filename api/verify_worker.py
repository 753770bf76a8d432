"""Loaded first by the verification forkserver (see ``api.verify_pool``): it dies with the
service that started it, and it has the verification code imported before forking workers."""

from api.gc_tuning import tune_collector
from api.verify_pool import exit_with_service

exit_with_service()
tune_collector()

import evidence.bundle  # noqa: E402  (what the workers run, imported once here)
import evidence.signed_entries  # noqa: E402, F401
