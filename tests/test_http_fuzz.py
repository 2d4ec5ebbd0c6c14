"""The API fuzzed from its own OpenAPI description (schemathesis), against a real
`volym serve` on both stores: whatever is asked, by whichever role, no answer is a 5xx
and every error is http.md's one-line JSON."""

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.test_http import served  # noqa: F401  (the fixture)

ROLES = ("integrator", "reader", "auditor", "admin", "revoked", None)


def is_summary(answer) -> bool:
    """POST /v1/events' 422: some lines rejected, answered with the receipt."""
    return answer.status_code == 422 and "rejects" in answer.json()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_gets_a_5xx_or_an_error_that_is_not_one_json_line(served, mode):  # noqa: F811
    server, made = served
    schema = schemathesis.openapi.from_url(server.base + "/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/events", "/v1/reports/{kind}", "/v1/verify"}
    seen: dict[int, int] = {}

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode), role=st.sampled_from(ROLES))
        @settings(
            max_examples=100,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case, role) -> None:
            token = made.get(role) if role else None
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            answer = case.call(base_url=server.base, headers=headers, timeout=60)
            seen[answer.status_code] = seen.get(answer.status_code, 0) + 1
            assert answer.status_code < 500, (case.method, case.formatted_path, answer.text)
            if answer.status_code >= 400 and not is_summary(answer):
                document = json.loads(answer.text)
                assert list(document) == ["error"], answer.text
                assert document["error"] and "\n" not in document["error"], answer.text
                assert "Traceback" not in document["error"]

        try:
            check()
        except Unsatisfiable:
            # No negative case exists where every input is a free string or there is none
            # (history's path, health, status); the others must have been reached.
            assert mode == GenerationMode.NEGATIVE, operation.path
    # The fuzzing reached past the door as well as being refused at it; bad input was
    # answered as bad input.
    wanted = (200, 401, 403) if mode == GenerationMode.POSITIVE else (400, 401, 403)
    assert all(seen.get(status, 0) > 0 for status in wanted), seen


def test_a_page_beyond_any_database_integer_is_a_bad_request(served):  # noqa: F811
    # Found by the fuzzing in CI: the offset overflowed PostgreSQL's bigint (a 500).
    server, made = served
    answer = server.call("GET", f"/v1/access-log?page={10**36}", made["auditor"])
    assert answer.status_code == 400 and list(answer.json()) == ["error"]
