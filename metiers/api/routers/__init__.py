"""The API's routes, one router per resource; `create_app` includes them in this order."""

from __future__ import annotations

from metiers.api.routers import cards, catalogue, health, index

# `cards` declares /metiers/{slug}.html before /metiers/{slug}, which would take it.
ROUTERS = (health.router, catalogue.router, cards.router, index.router)
