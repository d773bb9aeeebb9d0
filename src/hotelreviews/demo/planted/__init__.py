"""Planted ground truth for evaluating review intelligence (bench/intelligence*.py)."""
