"""The Flask UI and REST API (issue: web inbox). Thin: it calls engine.api only."""
