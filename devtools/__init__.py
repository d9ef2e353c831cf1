"""Development tooling, never installed or routed in production: the demo workspace seed, the
provider stand-ins and simulator, the development supervisor and the bench endpoint."""
