"""The API fuzzed from its own OpenAPI schema: every operation, random bodies and query strings, never a server error.

Each operation of ``/api/v1/schema/`` is called by a caller it lets in (a frontline employee, a supervisor or an
admin of the store the address names) with bodies drawn from its request schema: the declared fields with values
of their declared type, of any other JSON type, or hostile (NUL bytes, lone surrogates, huge numbers, deep nesting,
long text), fields left out, unknown fields added; and query strings made the same way from its declared
parameters. Whatever is sent, the answer is never a 5xx, and every refusal is the documented JSON shape: a 400's
field messages, or ``{"code", "detail"}``. The calls change the world as they go (a complaint apologized, closed,
an approval decided), so later calls meet other states too.

``API_FUZZ_EXAMPLES`` (default 12) bodies per operation and caller; e.g. 200 for a longer search.
"""

import json
import os
from urllib.parse import quote

import pytest
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.test_access_matrix import world  # noqa: F401 (the fixture: a complaint, its approval, a photo…)

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "12"))
CALLERS = ["frontline S1", "supervisor S1", "admin"]


SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
COMPONENTS = SCHEMA["components"]["schemas"]
OPERATIONS = {
    f"{method.upper()} {path}": (method.upper(), path, operation)
    for path, item in SCHEMA["paths"].items()
    for method, operation in item.items()
}


# --- Values ------------------------------------------------------------------------------------

HOSTILE_TEXT = st.sampled_from(
    ["", " ", "\x00", "S1\x00", "\ud800", "💥" * 50, "x" * 5_000, "<script>alert(1)</script>", "' OR 1=1 --",
     "1E+9", "NaN", "-0", "9" * 40, "2026-02-30", "0001-01-01T00:00:00+16:00", "../../etc/passwd", "%00"]
)  # fmt: skip
ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | HOSTILE_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return resolve(schema["allOf"][0])
    return schema


def typed(schema: dict, depth: int = 0) -> st.SearchStrategy:
    """A value of the schema's type (often valid, sometimes at or past its bounds)."""
    schema = resolve(schema)
    if "enum" in schema:
        return st.sampled_from([v for v in schema["enum"] if v is not None] or [""])
    for choice in ("oneOf", "anyOf"):
        if choice in schema:
            return st.one_of([typed(each, depth) for each in schema[choice]])
    kind = schema.get("type")
    if kind == "object" and depth < 3:
        properties = schema.get("properties", {})
        if not properties:
            return st.dictionaries(st.text(max_size=8), ANY_JSON, max_size=3)
        return st.fixed_dictionaries({}, optional={k: value(v, depth + 1) for k, v in properties.items()})
    if kind == "array" and depth < 3:
        return st.lists(value(schema.get("items", {}), depth + 1), max_size=3)
    if kind == "integer":
        return st.integers(min_value=-5, max_value=10**12)
    if kind == "number":
        return st.floats(min_value=-1e6, max_value=1e12, allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if schema.get("format") == "decimal" or schema.get("pattern", "").startswith("^-?\\d"):
        return st.sampled_from(["0", "0.001", "-5", "10.00", "80.00", "600.00", "99999999999999999999", "1E+9"])
    if schema.get("format") in ("date-time", "date"):
        return st.sampled_from(["2026-12-07", "2026-12-07T10:00:00Z", "2026-12-31T23:59:59+08:00", "yesterday"])
    if schema.get("format") == "uuid":
        return st.uuids().map(str)
    return st.text(max_size=schema.get("maxLength", 60) + 2)


def value(schema: dict, depth: int = 0) -> st.SearchStrategy:
    """Mostly a value of the declared type; now and then any JSON, or a hostile string."""
    return st.one_of(typed(schema, depth), typed(schema, depth), ANY_JSON, HOSTILE_TEXT)


def body_strategy(operation: dict) -> st.SearchStrategy:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return st.just({})
    declared = typed(content["schema"])
    extra = st.dictionaries(st.text(min_size=1, max_size=10), ANY_JSON, max_size=2)
    return st.one_of(
        st.tuples(declared, extra).map(lambda pair: {**pair[1], **pair[0]} if isinstance(pair[0], dict) else pair[0]),
        ANY_JSON,
    )


def query_strategy(operation: dict) -> st.SearchStrategy:
    parameters = [p for p in operation.get("parameters", []) if p["in"] == "query"]
    if not parameters:
        return st.just({})
    return st.fixed_dictionaries(
        {},
        optional={
            p["name"]: st.one_of(typed(p.get("schema", {})), HOSTILE_TEXT).map(
                lambda v: v if isinstance(v, str) else json.dumps(v)
            )
            for p in parameters
        },
    )


def path_of(template: str, values: dict[str, str]) -> str:
    path = template
    for key, val in values.items():
        path = path.replace("{" + key + "}", val)
    assert "{" not in path, path
    return path


def read(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def assert_answer_is_documented(method: str, path: str, sent, response) -> None:
    content = read(response)
    where = f"{method} {path} {json.dumps(sent, default=str)[:300]!r} → {response.status_code}"
    assert response.status_code < 500, where + f": {content[:500]!r}"
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json"), where
        answer = json.loads(content)
        assert isinstance(answer, dict), where
        assert answer, where
        if response.status_code != 400:
            assert {"code", "detail"} <= set(answer), where + f": {answer}"


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_no_body_or_query_string_makes_a_server_error(world, caller, operation):  # noqa: F811 (the fixture)
    method, path, spec = OPERATIONS[operation]
    client = APIClient()
    client.force_authenticate(world.people[caller])
    address = path_of(path, world.values)
    sent_count = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=body_strategy(spec), query=query_strategy(spec))
    def call(body, query):
        nonlocal sent_count
        if method == "GET":
            # As a client puts it on the wire: UTF-8, percent-encoded (a lone surrogate as its bytes would be).
            encoded = "&".join(f"{quote(k)}={quote(v, errors='surrogatepass')}" for k, v in query.items())
            response, sent = client.get(f"{address}?{encoded}" if encoded else address), query
        else:
            response = getattr(client, method.lower())(address, data=json.dumps(body), content_type="application/json")
            sent = body
        sent_count += 1
        assert_answer_is_documented(method, address, sent, response)

    call()
    assert sent_count >= min(EXAMPLES, 1)
