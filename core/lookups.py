"""``field__any=values``: ``IN``, as one array parameter on PostgreSQL."""

from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


class AnyOf(In):
    """``column = ANY(%s)`` with the values as one array on PostgreSQL, ``IN (…)`` elsewhere.

    ``__in`` writes one placeholder per value: for a batch's few hundred keys psycopg splits a
    statement of hundreds of placeholders and adapts each value on its own, every time, as the
    statement's text differs with the count. One array is one parameter, and the same statement
    whatever the count (``core.bulk_rows.instances_fetch`` sends it in binary).
    """

    lookup_name = "any"

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection, prepared=True) for value in self.rhs if value is not None]
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # a foreign key's lookups are its own: complaint_id__any
