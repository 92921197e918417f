"""The database holds the current text of every set of hand-written objects, and a migration installs it."""

import re

import pytest
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader

from core.installed_sql import InstallSQL, sql_set
from recovery.models import ComplaintFactsNow


def install_operations() -> dict[str, list[tuple[tuple[str, str], InstallSQL]]]:
    """Each set's ``InstallSQL`` operations, in the order the migrations apply them."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found: dict[str, list] = {}
    for key in loader.graph.leaf_nodes():
        for node in loader.graph.forwards_plan(key):
            for operation in loader.graph.nodes[node].operations:
                if isinstance(operation, InstallSQL) and (node, operation) not in found.get(operation.module, []):
                    found.setdefault(operation.module, []).append((node, operation))
    return found


SETS = sorted(install_operations())


def test_the_sets_are_found():
    assert SETS == ["complaints.sql", "recovery.metrics.projection"]


@pytest.mark.parametrize("module", SETS)
def test_the_last_migration_of_each_set_installs_its_current_text(module):
    (node, last) = install_operations()[module][-1]
    current = sql_set(module).digest()
    assert last.digest == current, (
        f"{module}'s SQL has changed since {node[0]}.{node[1]}: add a migration with "
        f'InstallSQL(module="{module}", digest="{current}")'
    )


def catalog() -> dict[str, str]:
    """Every function, view, trigger and table column of the public schema, as PostgreSQL prints them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'function ' || p.oid::regprocedure, pg_get_functiondef(p.oid) FROM pg_proc p "
            "WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f' "
            "  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') "
            "UNION ALL SELECT 'view ' || c.relname, pg_get_viewdef(c.oid) FROM pg_class c "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v' "
            "UNION ALL SELECT 'trigger ' || t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
            "WHERE NOT t.tgisinternal "
            "UNION ALL SELECT 'column ' || table_name || '.' || column_name, data_type || ' ' || is_nullable "
            "FROM information_schema.columns WHERE table_schema = 'public' "
            "UNION ALL SELECT 'index ' || indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "UNION ALL SELECT 'options ' || relname, array_to_string(reloptions, ',') FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace AND reloptions IS NOT NULL"
        )
        return dict(cursor.fetchall())


@pytest.mark.django_db
def test_the_database_holds_what_the_sources_install():
    """What the migrations left equals what installing every set's current text gives (in a transaction
    rolled back): no object of an earlier text lingers, none is missing, none was changed since."""
    migrated = catalog()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for module in SETS:
                sql_set(module).install(cursor)
        installed = catalog()
        transaction.set_rollback(True)
    assert {name for name in installed if name not in migrated} == set()
    assert {name for name in migrated if name not in installed} == set()
    assert [name for name in migrated if migrated[name] != installed[name]] == []


@pytest.mark.django_db
def test_the_facts_view_has_the_columns_of_its_model():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
            [ComplaintFactsNow._meta.db_table],
        )
        columns = [row[0] for row in cursor.fetchall()]
    assert sorted(columns) == sorted(field.column for field in ComplaintFactsNow._meta.concrete_fields)


@pytest.mark.django_db
def test_the_database_holds_the_functions_text_to_the_letter():
    """A function's body is kept as written: the installed one is the source's, character for character."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'recovery_facts_refresh'")
        (installed,) = cursor.fetchone()
    source = next(s for s in sql_set("recovery.metrics.projection").statements if "recovery_facts_refresh(ids" in s)
    body = re.search(r"AS \$\$(.*)\$\$", source, re.S).group(1)
    assert installed == body
