"""Development tooling, never installed or routed in production: the demo workspace seed, the
provider stand-in and simulator, the development supervisor and the bench endpoint.

Settings install this app and route `devtools.urls` only when DJANGO_DEVTOOLS is on (by default
when DJANGO_DEBUG is). It is the top layer: it may import every app, and none imports it.
"""
