"""Hotel reviews platform: ingest provider review feeds and serve them."""

__version__ = "0.1.0"
