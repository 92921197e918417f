"""Demo data: the demo organisation, and years of complaint history written from the domain's own rules."""
