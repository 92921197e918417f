"""The JSON API under /api/v1/: one interface over the domain apps, never called by them.

One package per resource (``complaints``, ``approvals``, ``notifications``, ``me``), each with its
serializers (shapes only) and small views that call the domain's services and selectors. Sitting
above ``complaints`` and ``recovery``, it is where "a complaint with its compensation and its
pending approval" is composed. Shapes that several resources show are in ``api.serializers``.
"""
