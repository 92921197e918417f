"""How much people may type: the one definition the API's serializers and the pages' forms read."""

# The customer's own words, as staff record them at the counter (the public form has its own, shorter limit:
# settings.PUBLIC_FORM_TEXT_MAX_CHARS).
CUSTOMER_WORDS_MAX_CHARS = 10_000
# What is typed at a step or a decision: what the customer wants, the response, the follow-up, notes, the
# reasons for a rejection or a reopening.
TEXT_MAX_CHARS = 5_000
# A short reason: for a hold, a tier change; the customer's comment on the survey.
REASON_MAX_CHARS = 2_000
# What one line of compensation is, exactly ("two coffees").
LINE_NOTE_MAX_CHARS = 1_000
# What is typed into a search of the complaints (the list's filter, the board's and the home page's box).
SEARCH_MAX_CHARS = 200
