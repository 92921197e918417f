"""``manage.py seed_demo``: the demo organisation (``demo.organisation``), idempotent; with ``--complaints N``, then
N complaints of history over ``--stores M`` stores (``demo.volume``)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import volume
from demo.organisation import CATEGORIES, DEMO_PASSWORD, USERS, organisation_ensure
from staff.qr import public_form_url


class Command(BaseCommand):
    help = "Load demo data (idempotent). Refuses to run with DEBUG off unless --force."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG=False.")
        parser.add_argument(
            "--complaints",
            type=int,
            metavar="N",
            help="Then add N complaints of history over the last 365 days (bulk inserts; a million take minutes).",
        )
        parser.add_argument(
            "--stores",
            type=int,
            metavar="M",
            help="With --complaints: spread them over stores S1..SM, creating the missing ones (default 2).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            metavar="S",
            help="With --complaints: the random seed (default 1): the same seed gives the same data.",
        )

    def handle(self, *args, force: bool = False, complaints=None, seed=None, **options):
        store_count = options.get("stores")  # --stores; ``stores`` below are the demo's own
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: this looks like production. Use --force to load demo data anyway.")
        if complaints is None and (store_count is not None or seed is not None):
            raise CommandError("--stores and --seed go with --complaints N.")
        if complaints is not None and complaints < 0:
            raise CommandError("--complaints must be 0 or more.")
        if store_count is not None and store_count < 1:
            raise CommandError("--stores must be 1 or more.")
        organisation = organisation_ensure()
        stores, created = organisation.stores, organisation.samples_created
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: region R1, stores S1/S2, {len(USERS)} users (password {DEMO_PASSWORD}), "
                f"{len(CATEGORIES)} categories, {created} new sample complaints."
            )
        )
        for store in stores.values():
            self.stdout.write(f"  {store.code}'s public complaint form (its QR code's link): {public_form_url(store)}")
        if complaints is not None:
            self._volume(complaints, store_count or 2, 1 if seed is None else seed)

    def _volume(self, complaints: int, stores: int, seed: int) -> None:
        self.stdout.write(f"Generating {complaints:,} complaints over {stores} stores (seed {seed})...")

        def progress(done: int, total: int, seconds: float) -> None:
            rate = done / seconds if seconds else 0
            self.stdout.write(f"  {done:,} / {total:,} complaints ({rate:,.0f}/s)")

        summary = volume.volume_seed(complaints=complaints, stores=stores, seed=seed, progress=progress)
        statuses = ", ".join(f"{status} {count:,}" for status, count in sorted(summary.by_status.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary.complaints:,} complaints over {summary.stores} stores in {summary.seconds:.1f} s "
                f"({summary.rate:,.0f} complaints/s): {summary.events:,} events, {summary.deadlines:,} deadlines, "
                f"{summary.compensation_actions:,} compensation actions, {summary.approval_requests:,} approval "
                f"requests, {summary.customers:,} new customers, {summary.tier_changes:,} tier changes. "
                f"By status: {statuses or 'none'}."
            )
        )
