"""The read-only HTTP API over the published mart (`metiers serve`), for the site and the
content team.

- `app.py`: settings, middleware, error handlers, the routers; `serve` on uvicorn.
- `routers/`: one router per resource (health, the list and search, a métier's card).
- `dependencies.py`: what routes are given (the published snapshot, parameters) and the
  ETag/304 answer.
- `published.py`: one read-only snapshot per published version, with its body cache.
- `models.py`: the pydantic models of every response body, published in the schema.
- `errors.py`: every error as `{"detail", "code"}`.
"""

from __future__ import annotations

from metiers.api.app import DEFAULT_HOST, DEFAULT_PORT, ApiSettings, create_app, serve

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "ApiSettings", "create_app", "serve"]
