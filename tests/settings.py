"""The settings the suite runs with: the product's own, with the development tooling (devtools)
installed and routed whatever the environment says, since its demo seed, Graph API stand-in,
simulator and bench endpoint are under test too. Subprocesses the suite starts inherit both
variables; the production-like ones set DJANGO_SETTINGS_MODULE=inbox_project.settings and drop
DJANGO_DEVTOOLS (tests/project/test_devtools_off.py checks production has nothing of it)."""

import os

os.environ["DJANGO_DEVTOOLS"] = "1"

from inbox_project.settings import *  # noqa: E402, F403
