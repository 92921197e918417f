"""Staff: regions, stores and the people who work in them, with their roles and scopes."""
