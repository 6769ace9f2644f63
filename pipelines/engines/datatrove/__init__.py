"""Runs document stages on datatrove: one step per file, the stage cache, the driver and executors."""
