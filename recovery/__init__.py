"""Recovery: what is decided about a complaint (compensation, limits, approvals, escalations, metrics)."""
