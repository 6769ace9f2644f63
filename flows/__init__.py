"""The top layer: the `pipelines` command, the Prefect build flow and its deployments."""
