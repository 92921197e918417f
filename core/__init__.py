"""The shared kernel: errors, the REST framework glue, idempotency keys, admin and filter helpers.

Every app may import it; it imports no app of ours.
"""
