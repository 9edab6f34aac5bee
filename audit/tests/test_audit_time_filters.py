"""
The audit list's `since` and `until` take every time RFC 3339 admits: offsets up to 23:59 (which
PostgreSQL refuses as such, so they are compared in UTC) and times at the ends of the calendar.
"""

import pytest

from audit.models import Action
from audit.services import audit_record

EVENTS = "/api/v1/audit-events"


@pytest.fixture
def event(db):
    return audit_record(action=Action.UNLOCK, actor_label="system")


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"since": "0090-09-20T08:31:12+18:08"}, True),
        ({"since": "2000-01-01T00:00:00+23:59"}, True),
        ({"until": "2000-01-01T00:00:00-23:59"}, False),
        ({"since": "0001-01-01T00:00:00+23:59"}, True),
        ({"until": "9999-12-31T23:59:59-23:59"}, True),
        ({"until": "9999-12-31T23:59:60Z"}, True),
        ({"since": "9999-12-31T23:59:60Z"}, False),
    ],
)
def test_times_with_any_offset_rfc_3339_admits_filter_in_utc(quiet_auditor_client, event, query, found):
    response = quiet_auditor_client.get(EVENTS, query)

    assert response.status_code == 200, response.content
    assert [item["id"] for item in response.json()["results"]] == ([event.id] if found else [])
