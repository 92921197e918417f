"""The configuration audit: who changed a setting that decides how the product behaves, when, from what to what.

Each configuration model is declared ``@audited(...)``: django-pghistory gives it an event model (``<Model>Audit``,
in the model's app) and database triggers that write one row there for every insert, update of a tracked field and
delete, whatever made the change (the admin, the API, a shell, a migration, raw SQL). A row holds the tracked fields
as they are after the change (before it, for a delete); the page (``ConfigChange``) compares each row with the
object's previous one for "from" and "to".

Who: the triggers read the transaction's or session's ``pghistory.context_metadata`` setting. The admin's requests
name the signed-in person (``AuditActorMiddleware``); a service that changes configuration for a signed-in person
outside the admin names them itself (``audit_actor``); nothing named is "system". Not pghistory's own middleware: it
prepends ``set_config`` to every statement of a request, which a server-bound or prepared statement
(``core.cursors``) refuses.

Insert-only: the runtime role may only read and add audit rows (``core.database_roles.insert_only``), and a trigger
refuses an update or delete by anyone (pghistory's append-only protection).
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable

import pghistory
from django.db import DatabaseError, connection, connections
from django.db.models import Model, OuterRef, Subquery
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext

# The audited models, in the order they were declared, and the fields each leaves out of its audit.
AUDITED: list[type[Model]] = []
NOT_AUDITED_FIELDS: dict[type[Model], tuple[str, ...]] = {}

# What the audit's rows say of a change (pghistory's labels, kept in the rows; the page says them in words).
CREATED, CHANGED, DELETED = "created", "changed", "deleted"
# Written by the migrations that start auditing a model: each existing row as it was then, so that its first
# change has a "from".
BASELINE = "baseline"

SETTING = "pghistory.context_metadata"


def audited(*, exclude: tuple[str, ...] = ()) -> Callable[[type[Model]], type[Model]]:
    """Audit the decorated model's fields but ``exclude`` (secrets, and what changes on its own: a sign-in time)."""

    def decorate(model: type[Model]) -> type[Model]:
        pghistory.track(
            pghistory.InsertEvent(CREATED),
            pghistory.UpdateEvent(CHANGED),
            pghistory.DeleteEvent(DELETED),
            exclude=list(exclude) or None,
            model_name=f"{model.__name__}Audit",
            append_only=True,
            # Who, as JSON in the row itself: no shared context table for the runtime role to update.
            context_field=pghistory.ContextJSONField(),
            context_id_field=None,
        )(model)
        AUDITED.append(model)
        NOT_AUDITED_FIELDS[model] = exclude
        return model

    return decorate


def audit_model(model: type[Model]) -> type[Model]:
    """The event model that holds ``model``'s audit rows."""
    return _event_models()[model]


def _event_models() -> dict[type[Model], type[Model]]:
    from django.apps import apps

    return {
        event.pgh_tracked_model: event
        for event in apps.get_models()
        if getattr(event, "pgh_tracked_model", None) in AUDITED
    }


def audited_model(label: str | None) -> type[Model] | None:
    """The audited model named ``label`` (``app_label.Model``), if it is one."""
    return next((model for model in AUDITED if model._meta.label == label), None)


# What the audit's list reads of each row: the rest (the fields, the previous row to compare) is read for one page's
# rows only (``changes_described``), as comparing every row with its previous one costs seconds at ten thousand.
LISTED = ("pgh_slug", "pgh_id", "pgh_created_at", "pgh_label", "pgh_model", "pgh_obj_model", "pgh_obj_id", "username")


def changes_described(rows: Iterable) -> None:
    """Give each of the audit's ``rows`` (``core.models.ConfigChange``) what a reader is shown of it: ``object_name``,
    the object as it is now named (or its id, deleted), and ``lines``, (field, text) for each field changed, from →
    to, or for each field of a row that is not a change (created, deleted, as it was when the audit began); a
    related object is named, not numbered. A few queries per audit table on the page, none per row."""
    rows = list(rows)
    by_table: dict[type[Model], list] = defaultdict(list)
    for row in rows:
        model = audited_model(row.pgh_obj_model)
        if model is not None:
            by_table[audit_model(model)].append(row)
    events, previous = {}, {}
    for event_model, its_rows in by_table.items():
        earlier = event_model.objects.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id"))
        found = event_model.objects.filter(pgh_id__in=[row.pgh_id for row in its_rows]).annotate(
            previous_id=Subquery(earlier.order_by("-pgh_id").values("pgh_id")[:1])
        )
        events |= {(event_model, event.pgh_id): event for event in found}
        before = event_model.objects.in_bulk([event.previous_id for event in found if event.previous_id])
        previous |= {(event_model, event.pgh_id): before.get(event.previous_id) for event in found}

    lines: dict[int, list] = {}
    wanted: dict[type[Model], set] = defaultdict(set)
    for row in rows:
        model = audited_model(row.pgh_obj_model)
        event_model = audit_model(model) if model else None
        event = events.get((event_model, row.pgh_id))
        if event is None:
            lines[id(row)] = []
            continue
        wanted[model].add(row.pgh_obj_id)
        lines[id(row)] = _changed_fields(event, previous.get((event_model, row.pgh_id)))
        for field, values in lines[id(row)]:
            if field.is_relation:
                wanted[field.related_model] |= {value for value in values if value is not None}
    names = {
        (model, str(pk)): str(found)
        for model, pks in wanted.items()
        for pk, found in model._default_manager.in_bulk(list(pks)).items()
    }
    for row in rows:
        model = audited_model(row.pgh_obj_model)
        row.object_name = names.get((model, row.pgh_obj_id)) or gettext("#%(id)s (deleted)") % {"id": row.pgh_obj_id}
        row.lines = [
            (capfirst(field.verbose_name), " → ".join(_shown(field, value, names) for value in values))
            for field, values in lines[id(row)]
        ]


def _changed_fields(event: Model, before: Model | None) -> list[tuple]:
    """(field, [from, to]) for each field a change changed; (field, [value]) for each field of any other row."""
    fields = [
        field
        for field in event._meta.concrete_fields
        if not field.name.startswith("pgh_") and field.name != "id" and not field.primary_key
    ]
    if event.pgh_label == CHANGED and before is not None:
        return [
            (field, [getattr(before, field.attname), getattr(event, field.attname)])
            for field in fields
            if getattr(before, field.attname) != getattr(event, field.attname)
        ]
    return [(field, [getattr(event, field.attname)]) for field in fields]


def _shown(field, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if field.is_relation:
        return names.get((field.related_model, str(value))) or gettext("#%(id)s (deleted)") % {"id": value}
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def actor_metadata(user) -> str:
    """The context the audit's rows keep of ``user``: their id and username as they were (a person renamed or
    removed later is still named as they were then)."""
    return json.dumps({"user": user.pk, "username": user.get_username()})


def audit_actor(user) -> None:
    """Name ``user`` as who makes the configuration changes of the current transaction (call it inside one)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, actor_metadata(user)])


class AuditActorMiddleware:
    """Names the person signed in to the admin as who makes what its requests change.

    For the request's length, on its connection (a session setting: admin actions run outside a transaction); then
    cleared, or the connection closed when it cannot be, so that nothing later on that connection is put on them.
    Only the admin's writing requests: nothing else changes configuration without naming its actor itself.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.method in ("GET", "HEAD", "OPTIONS")
            or user is None
            or not user.is_authenticated
            or not request.path.startswith(reverse("admin:index"))
        ):
            return self.get_response(request)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, false)", [SETTING, actor_metadata(user)])
        try:
            return self.get_response(request)
        finally:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, '', false)", [SETTING])
            except DatabaseError:
                connection.close()


# django-pgtrigger lets a session skip any of its triggers by naming it in the setting ``pgtrigger.ignore``
# (``pgtrigger.ignore()``): the runtime role could so change a setting unaudited, or the audit's own guard. Nothing
# here skips a trigger, so after every migrate (whose pgtrigger steps install pgtrigger's own text again) its function
# answers "no" to everyone.
TRIGGERS_NEVER_SKIPPED = """
CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME) RETURNS BOOLEAN AS $$
BEGIN
    RETURN FALSE;
END;
$$ LANGUAGE plpgsql
"""


def triggers_never_skipped_after_migrate(*, using: str = "default", **_signal) -> None:
    """``post_migrate``: no trigger of django-pgtrigger's may be skipped by a setting."""
    with connections[using].cursor() as cursor:
        cursor.execute(TRIGGERS_NEVER_SKIPPED)


def baseline_insert(apps, schema_editor, *labels: str) -> None:
    """A migration's step: one ``baseline`` audit row for each existing row of the models named by ``labels``
    (``app_label.Model``), taken from the table by the database itself."""
    for label in labels:
        app_label, name = label.split(".")
        model = apps.get_model(app_label, name)
        event = apps.get_model(app_label, f"{name}Audit")
        columns = [
            field.column
            for field in event._meta.concrete_fields
            if not field.name.startswith("pgh_") and not field.primary_key
        ]
        quoted = ", ".join(schema_editor.quote_name(column) for column in columns)
        schema_editor.execute(
            f"INSERT INTO {schema_editor.quote_name(event._meta.db_table)} "
            f"({quoted}, pgh_created_at, pgh_label, pgh_obj_id) "
            f"SELECT {quoted}, NOW(), %s, {schema_editor.quote_name(model._meta.pk.column)} "
            f"FROM {schema_editor.quote_name(model._meta.db_table)}",
            [BASELINE],
        )
