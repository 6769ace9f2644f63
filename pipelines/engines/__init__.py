"""Adapters that run transforms on the engines: datatrove for documents, Beam for records."""
