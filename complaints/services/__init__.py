"""The only code that creates complaints or changes them, one module per cluster.

``intake`` logs a complaint; ``steps`` walks it through the flow (and holds, severity,
assignment); ``approvals`` is how it waits for and leaves an approval decided by recovery;
``sla_policies`` changes the due-time windows. Deadline writes, the sweep's included, are in
``complaints.deadlines``; row locks in ``complaints.locks``.
"""
