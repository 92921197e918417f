"""Each role has exactly one scope: store staff a store, managers a region, admins neither."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from staff.models import Role, User


def test_frontline_without_a_store_is_refused_by_validation_and_by_the_database(org):
    user = User(username="drifter", role=Role.FRONTLINE)
    with pytest.raises(ValidationError) as error:
        user.full_clean()
    assert "store" in error.value.message_dict
    with pytest.raises(IntegrityError):
        user.save()


def test_manager_needs_a_region_not_a_store(org):
    with pytest.raises(ValidationError) as error:
        User(username="m", role=Role.MANAGER, store=org.s1).full_clean()
    assert "region" in error.value.message_dict


def test_createsuperuser_makes_an_admin(db):
    user = User.objects.create_superuser("root", "root@example.com", "a-long-password-1")
    assert user.role == Role.ADMIN
    assert user.store is None
