"""The shared response cache in front of the API: stored response bytes, keyed by data version."""
