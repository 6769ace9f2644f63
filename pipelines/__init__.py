"""The dataset builder: recipes in, versioned training datasets out."""

__version__ = "0.1.0"
