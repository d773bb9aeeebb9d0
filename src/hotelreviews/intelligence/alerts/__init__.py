"""Alerts: what the detectors (intelligence.anomalies, intelligence.duplicates) raise, stored
once each and listed for managers and analysts at GET /api/v1/alerts."""
