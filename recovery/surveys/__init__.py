"""The customer's satisfaction survey: sending, opening and answering it (``invitations``), and its errors."""
