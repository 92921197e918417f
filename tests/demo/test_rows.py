"""The demo history's rows are the models' own: a field added to a model is written without a word in demo/,
and every row written passes its model's field validation."""

from contextlib import contextmanager
from datetime import UTC, datetime

from django.core.management import call_command
from django.db import connection, models

from complaints import intake_write
from complaints.models import Complaint, ComplaintEvent, Customer, CustomerTierChange, Deadline
from core import bulk_rows
from demo import volume
from recovery.models import ApprovalRequest, CompensationAction

# Every model the history writes.
WRITTEN = (Customer, CustomerTierChange, Complaint, ApprovalRequest, CompensationAction, Deadline, ComplaintEvent)
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _caches_clear() -> None:
    """What is worked out once per process from the models' fields (the intake's statement, new rows' columns)."""
    intake_write._statement.cache_clear()
    bulk_rows._columns.cache_clear()
    bulk_rows._defaults.cache_clear()


@contextmanager
def fields_added(*added: tuple[str, models.Field]):
    """``added`` (name, field) on every model the history writes, and on its table, as a migration would add
    them: for this transaction, and the models as they were afterwards."""
    done = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no check may be pending on a table altered
            for model in WRITTEN:
                for name, field in added:
                    copy = field.clone()
                    model.add_to_class(name, copy)
                    done.append((model, name, copy))
                    with connection.schema_editor() as editor:
                        editor.add_field(model, copy)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        _caches_clear()
        yield
    finally:
        for model, name, field in done:
            model._meta.local_fields.remove(field)
            delattr(model, name)
            model._meta._expire_cache()
        _caches_clear()


def test_a_field_added_to_any_model_written_is_seeded_with_its_default(settings, db):
    settings.DEBUG = True
    call_command("seed_demo")
    with fields_added(
        ("staff_note", models.TextField(blank=True, default="(none)")),
        ("priority", models.PositiveSmallIntegerField(db_default=3)),
    ):
        summary = volume.volume_seed(complaints=300, stores=3, seed=5, now=NOW)
        assert summary.complaints == 300
        for model in WRITTEN:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT DISTINCT staff_note, priority FROM {model._meta.db_table}")
                assert cursor.fetchall() == [("(none)", 3)], model.__name__
    assert summary.tier_changes > 0
    assert summary.approval_requests > 0


def test_every_row_written_passes_its_models_field_validation(settings, db):
    settings.DEBUG = True
    call_command("seed_demo")
    volume.volume_seed(complaints=300, stores=3, seed=6, now=NOW)
    for model in WRITTEN:
        related = [field.name for field in model._meta.concrete_fields if field.is_relation]
        rows = list(model._base_manager.all())
        assert rows, model.__name__
        for row in rows:
            row.full_clean(exclude=related, validate_unique=False, validate_constraints=False)
