"""Background loops: run inside the app (lifespan tasks) or alone (`python -m portal worker`)."""
