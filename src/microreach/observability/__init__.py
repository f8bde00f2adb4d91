"""Observability: structured logs with request ids, Prometheus metrics, readiness checks.

`context` and `metrics` import nothing of the project, so any domain may use them; `logs`
reads the settings; `readiness` and `web` (the middleware and the /metrics and /readyz
routes) are used by the web app only.
"""
