"""Phone numbers normalized to E.164, however often and in whichever form a number comes."""

import pytest
from django.core.exceptions import ValidationError

from complaints.customers import normalize_phone


@pytest.mark.parametrize("raw", ["138 0013 8000", "+86 138-0013-8000", "13800138000"])
def test_a_number_and_its_e164_form_normalize_alike(raw):
    e164 = normalize_phone(raw)
    assert e164 == "+8613800138000"
    assert normalize_phone(e164) == e164
    assert normalize_phone(raw) == e164


def test_a_refused_number_is_refused_every_time():
    for _ in range(2):
        with pytest.raises(ValidationError):
            normalize_phone("12345")
