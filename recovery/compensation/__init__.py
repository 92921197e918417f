"""Compensation: the limit rules (``policies``, pure), granting or asking for approval (``grants``), and reads
of limits, usage and guidelines (``selectors``)."""
