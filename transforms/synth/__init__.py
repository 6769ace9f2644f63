"""Synthetic data: generation backends (vLLM offline, OpenAI-compatible servers), the generation cache,
and the tasks (prompt template, output schema, checks) that turn completions into typed records."""
