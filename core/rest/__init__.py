"""Django REST framework glue shared by every interface: errors, pagination, wire format, fields, idempotency."""
