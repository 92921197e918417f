"""How much people may type: the one definition the API's serializers and the pages' forms read."""

# The customer's own words, as staff record them at the counter (the public form has its own, shorter limit:
# settings.PUBLIC_FORM_TEXT_MAX_CHARS).
CUSTOMER_WORDS_MAX_CHARS = 10_000
# Everything else typed about a complaint: what the customer wants, the response, the follow-up, notes, reasons.
TEXT_MAX_CHARS = 5_000
