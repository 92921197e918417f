"""Who is told what: notifications and their emails (``notifications``), their texts (``texts``), an in-store
customer's alert (``in_store``), and the inbox (``selectors``). The sweep that sends reminders and escalations
is ``recovery.reminders``."""
