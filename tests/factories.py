"""factory_boy factories for the tests."""

import factory

from complaints.models import Category
from staff.models import Region, Role, Store, User

PASSWORD = "test-pass-123"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"R{n + 1}")
    name = factory.Faker("city")


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"S{n + 1}")
    name = factory.Faker("company")
    region = factory.SubFactory(RegionFactory)
    timezone = "Asia/Shanghai"
    currency = "CNY"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.FRONTLINE
    store = factory.SubFactory(StoreFactory)
    region = None
    password = factory.django.Password(PASSWORD)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"category-{n}")
    name_en = factory.LazyAttribute(lambda c: c.code.replace("_", " ").capitalize())
    name_zh = "其他"
