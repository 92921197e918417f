"""Who is told what: notifications and their emails (``notifications``), their stored texts (``texts``), what each
says to its reader in their language (``reading``: the inbox, the API, the emails), an in-store customer's alert
(``in_store``), and the inbox (``selectors``). The sweep that sends reminders and escalations
is ``recovery.reminders``."""
