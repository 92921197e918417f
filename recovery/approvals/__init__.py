"""Approvals above a role's limits: deciding and sending up (``decisions``), approval PINs (``pins``), the
approvers' queue (``selectors``) and their errors."""
