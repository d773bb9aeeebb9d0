"""Review intelligence: what reviews say by aspect, a comparable reputation index, trends and
alerts, near-duplicates, similar hotels and recommendations (docs/intelligence.md)."""
