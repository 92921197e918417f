"""The only code that grants compensation, decides approvals, keeps PINs and writes notifications.

``grants`` grants or asks for approval; ``approvals`` approves, rejects or sends a request up a
level; ``pins`` sets and checks approval PINs; ``notifications`` writes, reads and emails them.
"""
