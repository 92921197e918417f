"""Complaints: customers, categories, the complaint record, its states and its event log."""
