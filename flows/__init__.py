"""Prefect flows of the builder. A worker or `serve` imports them to run a deployment: the engines'
environment is set before any engine is imported."""

from pipelines import settings

settings.configure_environment()
