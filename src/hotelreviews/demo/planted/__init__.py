"""Planted ground truth: generated data with known answers, to evaluate review intelligence."""
