"""``manage.py import_customer_tiers tiers.csv``: set customers' tiers from a CSV (e.g. a loyalty system's export).

Columns (a header row): ``phone`` or ``email`` (either, or both), and ``tier`` (its code A/B/C, or its
English or Chinese name). A customer not known yet is created, so that their first complaint is
served at their tier. Each change is recorded in the tier history with ``--reason`` and reschedules
the customer's open complaints. Rows with errors are reported and skipped; the others are imported.
"""

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from complaints.customers import customer_find_or_create
from complaints.models import CustomerTier, TierChangeSource
from complaints.services.customers import customer_tier_set


class Command(BaseCommand):
    help = "Set customers' tiers from a CSV file with columns phone and/or email, and tier."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--reason", default="", help="Recorded with each change (default: imported from <file>).")

    def handle(self, *args, path: Path, reason: str, **options) -> None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        rows = csv.DictReader(text.splitlines())
        if not rows.fieldnames or "tier" not in rows.fieldnames or not {"phone", "email"} & set(rows.fieldnames):
            raise CommandError("The file needs a header row with tier and phone or email.")
        tiers = {}
        for tier in CustomerTier.objects.all():
            for key in (tier.code, tier.name_en, tier.name_zh):
                tiers[key.strip().casefold()] = tier
        reason = reason or f"imported from {path.name}"
        changed = unchanged = 0
        errors = []
        for line, row in enumerate(rows, start=2):
            tier = tiers.get((row.get("tier") or "").strip().casefold())
            if tier is None:
                errors.append(f"line {line}: unknown tier {row.get('tier')!r}")
                continue
            try:
                customer = customer_find_or_create(phone=row.get("phone") or "", email=row.get("email") or "")
            except ValidationError as error:
                errors.append(f"line {line}: {' '.join(error.messages)}")
                continue
            if customer is None:
                errors.append(f"line {line}: no phone or email")
                continue
            before = customer.tier_id
            customer_tier_set(customer=customer, tier=tier, reason=reason, actor=None, source=TierChangeSource.IMPORT)
            if before == tier.pk:
                unchanged += 1
            else:
                changed += 1
        for error in errors:
            self.stderr.write(error)
        self.stdout.write(f"{changed} customers changed tier, {unchanged} had it already, {len(errors)} rows skipped.")
