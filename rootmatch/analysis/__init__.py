"""Analysis: metrics and splits, baselines, allocation, the design study and its report."""
