"""``manage.py anonymize_customer --phone … | --email … | --id …``: forget one customer on their request."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from complaints.customers import normalize_email, normalize_phone
from complaints.models import Customer
from recovery.customers.privacy import customer_anonymize


class Command(BaseCommand):
    help = "Remove a customer's contact data and the words of their complaints (what the recovery metrics count stays)."

    def add_arguments(self, parser) -> None:
        found_by = parser.add_mutually_exclusive_group(required=True)
        found_by.add_argument("--phone", help="Their phone, in any format.")
        found_by.add_argument("--email", help="Their email.")
        found_by.add_argument("--id", type=int, help="Their customer id (Django admin).")

    def handle(self, *args, phone: str | None, email: str | None, id: int | None, **options) -> None:
        try:
            if phone is not None:
                found = {"phone": normalize_phone(phone)}
            elif email is not None:
                found = {"email": normalize_email(email)}
            else:
                found = {"pk": id}
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if not any(found.values()):
            raise CommandError("Say which customer: their phone, email or id.")
        customer = Customer.objects.filter(**found).first()
        if customer is None:
            raise CommandError(f"No customer with {next(iter(found))} {next(iter(found.values()))}.")
        if customer_anonymize(customer=customer):
            self.stdout.write(f"Customer {customer.pk} anonymized.")
        else:
            self.stdout.write(f"Customer {customer.pk} was anonymized already: nothing changed.")
