"""The /v1 REST API: thin FastAPI routes over the services."""
