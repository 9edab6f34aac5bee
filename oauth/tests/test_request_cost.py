"""
What one OAuth-authenticated profile read costs, counted as accounts/tests/test_request_cost.py
counts a JWT one (through Django's WSGI handler, statements at psycopg's cursor, round trips at
redis-py's socket): the same, one SQL statement and one Redis round trip.
"""

from django.core.handlers.wsgi import WSGIHandler
from django.test import Client

from accounts.tests.factories import UserFactory
from accounts.tests.test_request_cost import counter, persistent_connection, serve  # noqa: F401 - fixtures
from oauth.tests.conftest import issue_tokens, register


def test_an_oauth_profile_read_is_one_sql_statement_and_one_redis_round_trip(
    persistent_connection,  # noqa: F811
    counter,  # noqa: F811
):
    customer = UserFactory()
    browser = Client()
    browser.force_login(customer)
    token = issue_tokens(browser, register())["access_token"]
    handler = WSGIHandler()
    serve(handler, "/api/v1/profile", token)  # opens the persistent connection
    counter.sql_statements = counter.redis_round_trips = 0

    status, body = serve(handler, "/api/v1/profile", token)

    assert status == "200 OK"
    assert customer.account_number.encode() in body
    assert (counter.sql_statements, counter.redis_round_trips) == (1, 1)
