"""
The staff customers API (/api/v1/customers): who may call it, the exact representation, cursor
pagination, filters and search, creation, PUT/PATCH with ETag/If-Match, status and role changes
(token revocation, the last active admin, closed is final), the soft close, the audit trail, and
the number of queries a page and a detail take.
"""

import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.account_numbers import passes_luhn
from accounts.models import User
from accounts.services import EDITABLE_FIELDS
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from audit.models import AuditEvent
from conftest import assert_problem, assert_validation_error, login, token_client
from customers.serializers import CustomerUpdateSerializer

CUSTOMERS = "/api/v1/customers"
PROFILE = "/api/v1/profile"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/token/refresh"
NEW_PASSWORD = "a long and unusual passphrase 42"  # noqa: S105

pytestmark = pytest.mark.django_db


# Helpers ------------------------------------------------------------------------------------------


def _url(account_number: str) -> str:
    return f"{CUSTOMERS}/{account_number}"


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _representation(user) -> dict:
    """The contract's customer representation of `user`, as stored now."""
    user.refresh_from_db()
    return {
        "account_number": user.account_number,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "date_of_birth": user.date_of_birth.isoformat() if user.date_of_birth else None,
        "role": user.role,
        "status": user.status,
        "created_at": _rfc3339(user.created_at),
        "updated_at": _rfc3339(user.updated_at),
    }


def _snapshot(user) -> dict:
    """Everything a rejected write must leave as it was."""
    user.refresh_from_db()
    return {
        **_representation(user),
        "password": user.password,
        "token_version": user.token_version,
    }


def _newest_first() -> list[str]:
    return list(User.objects.order_by("-created_at", "-id").values_list("account_number", flat=True))


def _walk(client: APIClient, url: str, between_pages=None) -> list[dict]:
    """Follow `next` from `url` to the end; call `between_pages()` before each further page."""
    items: list[dict] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        items.extend(body["results"])
        url = body["next"]
        if url and between_pages is not None:
            between_pages()
    return items


def _create_body(**overrides) -> dict:
    return {
        "email": "grace.hopper@example.com",
        "first_name": "Grace",
        "last_name": "Hopper",
        "phone": "+14155550100",
        "date_of_birth": "1986-12-09",
        **overrides,
    }


def _put_body(**overrides) -> dict:
    return {
        "email": "grace.hopper@example.com",
        "first_name": "Grace",
        "last_name": "Hopper",
        "phone": "+14155550100",
        "date_of_birth": "1986-12-09",
        "status": "active",
        "role": "customer",
        **overrides,
    }


def _events(action: str, target) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, target=target).order_by("id"))


@pytest.fixture
def other_customer(db):
    return UserFactory(email="other@example.com", first_name="Charles", last_name="Babbage")


# Every route: tokens and roles ----------------------------------------------------------------------

ROUTES = [
    ("get", "list"),
    ("post", "list"),
    ("get", "detail"),
    ("put", "detail"),
    ("patch", "detail"),
    ("delete", "detail"),
]
WRITE_ROUTES = [route for route in ROUTES if route[0] != "get"]


def _call(client: APIClient, method: str, route: str, account_number: str):
    path = CUSTOMERS if route == "list" else _url(account_number)
    body = {"post": _create_body(), "put": _put_body(), "patch": {"first_name": "Mallory"}}.get(method)
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, body, format="json")


@pytest.mark.parametrize("method, route", ROUTES)
def test_every_route_without_a_token_is_not_authenticated(api_client, other_customer, method, route):
    before = _snapshot(other_customer)

    response = _call(api_client, method, route, other_customer.account_number)

    assert_problem(response, 401, "not_authenticated")
    assert _snapshot(other_customer) == before
    assert not User.objects.filter(email="grace.hopper@example.com").exists()


@pytest.mark.parametrize("method, route", ROUTES)
def test_every_route_with_a_garbage_token_is_not_authenticated(api_client, other_customer, method, route):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    assert_problem(_call(api_client, method, route, other_customer.account_number), 401, "not_authenticated")


@pytest.mark.parametrize("method, route", ROUTES)
def test_customer_is_denied_every_route_on_another_customer(auth_client, other_customer, method, route):
    before = _snapshot(other_customer)

    response = _call(auth_client, method, route, other_customer.account_number)

    assert_problem(response, 403, "permission_denied")
    assert _snapshot(other_customer) == before
    assert not User.objects.filter(email="grace.hopper@example.com").exists()


@pytest.mark.parametrize("method, route", [route for route in ROUTES if route[1] == "detail"])
def test_customer_is_denied_every_route_on_their_own_account_number(auth_client, customer, method, route):
    before = _snapshot(customer)

    response = _call(auth_client, method, route, customer.account_number)

    assert_problem(response, 403, "permission_denied")
    assert _snapshot(customer) == before


@pytest.mark.parametrize("method, route", WRITE_ROUTES)
def test_auditor_is_denied_every_write(auditor_client, other_customer, method, route):
    before = _snapshot(other_customer)
    events_before = AuditEvent.objects.count()

    response = _call(auditor_client, method, route, other_customer.account_number)

    assert_problem(response, 403, "permission_denied")
    assert _snapshot(other_customer) == before
    assert not User.objects.filter(email="grace.hopper@example.com").exists()
    assert AuditEvent.objects.count() == events_before


def test_auditor_may_list_customers(auditor_client, other_customer):
    response = auditor_client.get(CUSTOMERS)

    assert response.status_code == 200
    assert other_customer.account_number in [item["account_number"] for item in response.json()["results"]]


def test_auditor_may_read_a_customer(auditor_client, other_customer):
    response = auditor_client.get(_url(other_customer.account_number))

    assert response.status_code == 200
    assert response.json() == _representation(other_customer)


def test_demoted_admin_loses_access_with_their_existing_token(admin_client, admin_user):
    UserFactory(role="admin")  # so that admin_user is not the last active admin
    admin_user.role = "auditor"
    admin_user.save(update_fields=["role"])

    response = admin_client.patch(_url(admin_user.account_number), {"first_name": "Eve"}, format="json")

    assert_problem(response, 403, "permission_denied")


@pytest.mark.parametrize(
    "method, path",
    [("put", CUSTOMERS), ("patch", CUSTOMERS), ("delete", CUSTOMERS), ("post", "detail")],
)
def test_unsupported_methods_are_not_allowed_with_an_allow_header(admin_client, other_customer, method, path):
    path = _url(other_customer.account_number) if path == "detail" else path

    response = getattr(admin_client, method)(path, {}, format="json")

    assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"]


def test_responses_are_not_cacheable(admin_client, other_customer):
    response = admin_client.get(_url(other_customer.account_number))

    assert response["Cache-Control"] == "no-store"


# List: representation, order, pagination -------------------------------------------------------------


def test_list_returns_exact_representations_newest_first(admin_client, admin_user, other_customer):
    newest = UserFactory(email="newest@example.com", phone=None, date_of_birth=None)

    response = admin_client.get(CUSTOMERS)

    assert response.status_code == 200
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [_representation(newest), _representation(other_customer), _representation(admin_user)],
    }


def test_list_page_size_defaults_to_fifty(admin_client):
    UserFactory.create_batch(60)

    body = admin_client.get(CUSTOMERS).json()

    assert [item["account_number"] for item in body["results"]] == _newest_first()[:50]
    assert body["next"] is not None


def test_list_honours_a_smaller_page_size(admin_client):
    UserFactory.create_batch(5)

    body = admin_client.get(CUSTOMERS, {"page_size": 2}).json()

    assert [item["account_number"] for item in body["results"]] == _newest_first()[:2]


def test_list_page_size_is_capped_at_two_hundred(admin_client):
    UserFactory.create_batch(249)  # 250 with the admin

    body = admin_client.get(CUSTOMERS, {"page_size": 1000}).json()

    assert User.objects.count() == 250
    assert [item["account_number"] for item in body["results"]] == _newest_first()[:200]
    assert body["next"] is not None


def test_walking_the_pages_while_customers_are_added_yields_each_original_once_newest_first(admin_client):
    UserFactory.create_batch(249)  # 250 with the admin
    originals = _newest_first()
    added: list[User] = []

    def add_customers() -> None:
        added.extend(UserFactory.create_batch(3))

    walked = _walk(admin_client, f"{CUSTOMERS}?page_size=100", between_pages=add_customers)

    assert len(originals) == 250
    assert len(added) == 6  # customers really were added between the three pages
    assert [item["account_number"] for item in walked] == originals


def test_walking_customers_created_at_the_same_moment_yields_each_once(admin_client, admin_user):
    UserFactory.create_batch(150)
    User.objects.update(created_at=datetime(2025, 1, 1, tzinfo=UTC))  # e.g. an import or a seed
    expected = _newest_first()

    walked = _walk(admin_client, f"{CUSTOMERS}?page_size=40")

    assert [item["account_number"] for item in walked] == expected
    assert len(set(expected)) == 151


def test_previous_link_leads_back_to_the_first_page(admin_client):
    UserFactory.create_batch(5)
    first = admin_client.get(CUSTOMERS, {"page_size": 2}).json()
    second = admin_client.get(first["next"]).json()

    back = admin_client.get(second["previous"]).json()

    assert back["results"] == first["results"]
    assert second["results"] != first["results"]


# "cD0yMDI1" is base64 of "p=2025" and "cD1ub3QtYS1kYXRl" of "p=not-a-date": well-formed cursors
# whose position is not a creation time.
@pytest.mark.parametrize("cursor", ["garbage", "cD0yMDI1", "cD1ub3QtYS1kYXRl"])
def test_invalid_cursor_is_a_validation_error(admin_client, cursor):
    response = admin_client.get(CUSTOMERS, {"cursor": cursor})

    assert_validation_error(response, "cursor")


# List: filters and search ------------------------------------------------------------------------


def test_list_filters_by_status(admin_client, other_customer):
    frozen = UserFactory(status="frozen")
    UserFactory(status="closed")

    body = admin_client.get(CUSTOMERS, {"status": "frozen"}).json()

    assert body["results"] == [_representation(frozen)]


def test_list_filters_by_role(admin_client, auditor, other_customer):
    body = admin_client.get(CUSTOMERS, {"role": "auditor"}).json()

    assert body["results"] == [_representation(auditor)]


def test_list_combines_status_and_role_filters(admin_client, admin_user):
    UserFactory(role="admin", status="frozen")
    UserFactory(role="customer", status="active")

    body = admin_client.get(CUSTOMERS, {"role": "admin", "status": "active"}).json()

    assert [item["account_number"] for item in body["results"]] == [admin_user.account_number]


@pytest.mark.parametrize("name, value", [("status", "asleep"), ("role", "superuser"), ("role", "ADMIN")])
def test_list_with_an_invalid_filter_value_is_a_validation_error(admin_client, name, value):
    assert_validation_error(admin_client.get(CUSTOMERS, {name: value}), name)


def test_search_by_exact_account_number_finds_only_that_customer(admin_client, other_customer):
    UserFactory.create_batch(3)

    body = admin_client.get(CUSTOMERS, {"search": other_customer.account_number}).json()

    assert body["results"] == [_representation(other_customer)]


def test_search_by_part_of_an_account_number_finds_nothing(admin_client, other_customer):
    body = admin_client.get(CUSTOMERS, {"search": other_customer.account_number[:6]}).json()

    assert body["results"] == []


def test_search_by_email_prefix_is_case_insensitive(admin_client):
    wanted = UserFactory(email="zeta.prefix@example.com", first_name="Emmy", last_name="Noether")
    UserFactory(email="other.zeta.prefix@example.com", first_name="Alan", last_name="Turing")

    body = admin_client.get(CUSTOMERS, {"search": "ZETA.Pre"}).json()

    assert body["results"] == [_representation(wanted)]


def test_search_by_name_fragment_is_case_insensitive_across_first_and_last_name(admin_client):
    wanted = UserFactory(email="g@example.com", first_name="Grace", last_name="Hopper")
    UserFactory(email="h@example.com", first_name="Hopper", last_name="Grace")

    body = admin_client.get(CUSTOMERS, {"search": "CE HOP"}).json()

    assert body["results"] == [_representation(wanted)]


def test_search_by_full_name_finds_the_customer(admin_client, other_customer):
    body = admin_client.get(CUSTOMERS, {"search": "charles babbage"}).json()

    assert body["results"] == [_representation(other_customer)]


def test_search_treats_like_wildcards_literally(admin_client, other_customer):
    body = admin_client.get(CUSTOMERS, {"search": "%_%"}).json()

    assert body["results"] == []


def test_search_combines_with_a_filter(admin_client):
    UserFactory(email="twin.one@example.com", status="active")
    frozen = UserFactory(email="twin.two@example.com", status="frozen")

    body = admin_client.get(CUSTOMERS, {"search": "twin", "status": "frozen"}).json()

    assert body["results"] == [_representation(frozen)]


def test_search_with_a_nul_character_is_a_validation_error(admin_client):
    assert_validation_error(admin_client.get(CUSTOMERS, {"search": "ada\x00lovelace"}), "search")


@pytest.mark.parametrize("term", ["ab", "a", "  ab  "])
def test_search_shorter_than_three_characters_is_a_validation_error(admin_client, term):
    assert_validation_error(admin_client.get(CUSTOMERS, {"search": term}), "search")


# List and detail: query counts ---------------------------------------------------------------------


def test_a_page_of_fifty_and_a_page_of_two_hundred_take_the_same_two_queries(admin_client, django_assert_num_queries):
    UserFactory.create_batch(210)

    with django_assert_num_queries(2):  # the caller, the page
        small = admin_client.get(CUSTOMERS, {"page_size": 50})
    with django_assert_num_queries(2):
        large = admin_client.get(CUSTOMERS, {"page_size": 200})

    assert len(small.json()["results"]) == 50
    assert len(large.json()["results"]) == 200


def test_a_filtered_search_takes_as_many_queries_for_two_hundred_results_as_for_fifty(admin_client):
    UserFactory.create_batch(210)
    query = {"search": "customer", "status": "active", "role": "customer"}

    with CaptureQueriesContext(connection) as small_page:
        small = admin_client.get(CUSTOMERS, {**query, "page_size": 50})
    with CaptureQueriesContext(connection) as large_page:
        large = admin_client.get(CUSTOMERS, {**query, "page_size": 200})

    assert (len(small.json()["results"]), len(large.json()["results"])) == (50, 200)
    assert len(large_page.captured_queries) == len(small_page.captured_queries)


def test_a_detail_takes_two_queries(admin_client, other_customer, django_assert_num_queries):
    with django_assert_num_queries(2):  # the caller, the customer
        response = admin_client.get(_url(other_customer.account_number))

    assert response.status_code == 200


# Create --------------------------------------------------------------------------------------------


def test_create_returns_the_new_customer_and_an_etag(admin_client):
    response = admin_client.post(CUSTOMERS, _create_body(), format="json")

    assert response.status_code == 201, response.content
    created = User.objects.get(email="grace.hopper@example.com")
    assert response.json() == _representation(created)
    assert response.json()["role"] == "customer"
    assert response.json()["status"] == "active"
    assert response["ETag"] == admin_client.get(_url(created.account_number))["ETag"]


def test_create_issues_a_new_luhn_checked_account_number(admin_client):
    account_number = admin_client.post(CUSTOMERS, _create_body(), format="json").json()["account_number"]

    assert len(account_number) == 12
    assert account_number.isdigit()
    assert passes_luhn(account_number)


def test_create_with_only_email_and_names_leaves_phone_and_birth_date_null(admin_client):
    body = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}

    response = admin_client.post(CUSTOMERS, body, format="json")

    assert response.status_code == 201, response.content
    assert response.json() == _representation(User.objects.get(email="ada@example.com"))
    assert response.json()["phone"] is None
    assert response.json()["date_of_birth"] is None


@pytest.mark.parametrize("role", ["customer", "auditor", "admin"])
def test_create_with_a_role_gives_that_role(admin_client, role):
    response = admin_client.post(CUSTOMERS, _create_body(role=role), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["role"] == role
    assert User.objects.get(email="grace.hopper@example.com").role == role


def test_created_customer_without_a_password_cannot_log_in(admin_client, api_client):
    admin_client.post(CUSTOMERS, _create_body(), format="json")
    created = User.objects.get(email="grace.hopper@example.com")

    response = api_client.post(LOGIN, {"email": created.email, "password": DEFAULT_PASSWORD}, format="json")

    assert_problem(response, 401, "invalid_credentials")
    assert not created.has_usable_password()


def test_created_customer_with_a_password_can_log_in(admin_client, api_client):
    response = admin_client.post(CUSTOMERS, _create_body(password=NEW_PASSWORD), format="json")

    assert response.status_code == 201, response.content
    assert "password" not in response.json()
    tokens = login(api_client, User.objects.get(email="grace.hopper@example.com"), NEW_PASSWORD)
    assert tokens["role"] == "customer"


@pytest.mark.parametrize(
    "password",
    ["short pw", "123456789012345", "password1234", "grace.hopper@example.com", "x" * 129],
)
def test_create_with_a_password_the_rules_refuse_is_a_validation_error(admin_client, password):
    response = admin_client.post(CUSTOMERS, _create_body(password=password), format="json")

    assert_validation_error(response, "password")
    assert not User.objects.filter(email="grace.hopper@example.com").exists()


@pytest.mark.parametrize("field", ["email", "first_name", "last_name"])
def test_create_without_a_required_field_is_a_validation_error(admin_client, field):
    body = _create_body()
    del body[field]

    assert_validation_error(admin_client.post(CUSTOMERS, body, format="json"), field)
    assert User.objects.count() == 1  # only the admin


@pytest.mark.parametrize(
    "field, value",
    [
        ("email", "not-an-email"),
        ("email", None),
        ("email", "a" * 250 + "@example.com"),
        ("first_name", "R2-D2"),
        ("first_name", ""),
        ("last_name", "x" * 101),
        ("phone", "07700 900123"),
        ("date_of_birth", "2020-01-01"),
        ("date_of_birth", "1990-02-30"),
        ("date_of_birth", "10/12/1990"),
        ("role", "superuser"),
    ],
)
def test_create_with_an_invalid_field_is_a_validation_error(admin_client, field, value):
    response = admin_client.post(CUSTOMERS, _create_body(**{field: value}), format="json")

    assert_validation_error(response, field)
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "field, value",
    [
        ("account_number", "400012345678"),
        ("balance", "1000000.00"),
        ("is_staff", True),
        ("is_superuser", True),
        ("status", "active"),
        ("id", 1),
        ("token_version", 0),
        ("created_at", "2000-01-01T00:00:00Z"),
    ],
)
def test_create_with_an_unknown_or_read_only_field_is_rejected_and_creates_nothing(admin_client, field, value):
    response = admin_client.post(CUSTOMERS, _create_body(**{field: value}), format="json")

    assert_validation_error(response, field)
    assert User.objects.count() == 1
    assert not AuditEvent.objects.filter(action="customer_created").exists()


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@EXAMPLE.COM", "Taken@example.com"])
def test_create_with_a_taken_email_in_any_case_is_a_conflict(admin_client, email):
    UserFactory(email="taken@example.com")

    response = admin_client.post(CUSTOMERS, _create_body(email=email), format="json")

    assert_problem(response, 409, "conflict")
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


def test_create_with_a_form_body_is_unsupported_media_type(admin_client):
    response = admin_client.post(CUSTOMERS, _create_body(), format="multipart")

    assert_problem(response, 415, "unsupported_media_type")


def test_create_with_malformed_json_is_rejected(admin_client):
    response = admin_client.post(CUSTOMERS, '{"email": ', content_type="application/json")

    assert_problem(response, 400, "malformed_json")


def test_create_with_a_json_array_is_a_validation_error(admin_client):
    response = admin_client.post(CUSTOMERS, [_create_body()], format="json")

    assert_validation_error(response, "non_field_errors")


# Read one ------------------------------------------------------------------------------------------


def test_read_returns_the_exact_representation_and_an_etag(admin_client, other_customer):
    response = admin_client.get(_url(other_customer.account_number))

    assert response.status_code == 200
    assert response.json() == _representation(other_customer)
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')


def test_read_gives_the_same_etag_while_nothing_changes(admin_client, other_customer):
    first = admin_client.get(_url(other_customer.account_number))["ETag"]

    assert admin_client.get(_url(other_customer.account_number))["ETag"] == first


def test_read_of_an_unknown_account_number_is_not_found(admin_client, other_customer):
    unknown = "000000000000" if other_customer.account_number != "000000000000" else "000000000001"

    assert_problem(admin_client.get(_url(unknown)), 404, "not_found")


@pytest.mark.parametrize("suffix", ["12345678901", "1234567890123", "12345678901a", "abcdefghijkl", "{n}/", "{n}%20"])
def test_read_of_a_malformed_account_number_is_not_found(admin_client, other_customer, suffix):
    path = f"{CUSTOMERS}/" + suffix.format(n=other_customer.account_number)

    assert_problem(admin_client.get(path), 404, "not_found")


def test_list_with_a_trailing_slash_is_not_found(admin_client):
    assert_problem(admin_client.get(CUSTOMERS + "/"), 404, "not_found")


# PUT and PATCH ---------------------------------------------------------------------------------------


def test_put_replaces_every_editable_field(admin_client, other_customer):
    old_etag = admin_client.get(_url(other_customer.account_number))["ETag"]

    response = admin_client.put(_url(other_customer.account_number), _put_body(), format="json")

    assert response.status_code == 200, response.content
    assert response.json() == _representation(other_customer)
    assert {field: response.json()[field] for field in EDITABLE_FIELDS} == _put_body()
    assert response["ETag"] != old_etag


def test_put_may_set_phone_and_birth_date_to_null(admin_client, other_customer):
    response = admin_client.put(
        _url(other_customer.account_number), _put_body(phone=None, date_of_birth=None), format="json"
    )

    assert response.status_code == 200, response.content
    other_customer.refresh_from_db()
    assert other_customer.phone is None
    assert other_customer.date_of_birth is None


def test_put_and_patch_accept_exactly_the_editable_fields():
    assert set(CustomerUpdateSerializer().fields) == set(EDITABLE_FIELDS)


@pytest.mark.parametrize("field", EDITABLE_FIELDS)
def test_put_without_an_editable_field_is_a_validation_error_and_changes_nothing(admin_client, other_customer, field):
    before = _snapshot(other_customer)
    body = _put_body()
    del body[field]

    assert_validation_error(admin_client.put(_url(other_customer.account_number), body, format="json"), field)
    assert _snapshot(other_customer) == before


def test_patch_changes_only_the_fields_given(admin_client, other_customer):
    before = _representation(other_customer)

    response = admin_client.patch(_url(other_customer.account_number), {"last_name": "Byron"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == _representation(other_customer)
    changed = {key for key in before if before[key] != response.json()[key]}
    assert changed == {"last_name", "updated_at"}
    assert response.json()["last_name"] == "Byron"


def test_patch_normalises_names_like_registration(admin_client, other_customer):
    response = admin_client.patch(_url(other_customer.account_number), {"first_name": "  Ａda  "}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["first_name"] == "Ada"


@pytest.mark.parametrize(
    "field, value",
    [
        ("account_number", "400012345678"),
        ("created_at", "2000-01-01T00:00:00Z"),
        ("updated_at", "2000-01-01T00:00:00Z"),
        ("password", NEW_PASSWORD),
        ("token_version", 0),
        ("is_staff", True),
        ("balance", "1000000.00"),
        ("id", 1),
    ],
)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_write_with_an_unknown_or_read_only_field_is_rejected_and_changes_nothing(
    admin_client, other_customer, method, field, value
):
    before = _snapshot(other_customer)
    body = _put_body(**{field: value}) if method == "put" else {"first_name": "Eve", field: value}

    response = getattr(admin_client, method)(_url(other_customer.account_number), body, format="json")

    assert_validation_error(response, field)
    assert _snapshot(other_customer) == before


@pytest.mark.parametrize(
    "field, value",
    [
        ("status", "asleep"),
        ("role", "superuser"),
        ("email", "not-an-email"),
        ("email", None),
        ("phone", "+0123"),
        ("first_name", None),
        ("date_of_birth", "1890-01-01"),
    ],
)
def test_patch_with_an_invalid_value_is_a_validation_error_and_changes_nothing(
    admin_client, other_customer, field, value
):
    before = _snapshot(other_customer)

    response = admin_client.patch(_url(other_customer.account_number), {field: value}, format="json")

    assert_validation_error(response, field)
    assert _snapshot(other_customer) == before


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@example.com"])
def test_changing_the_email_to_a_taken_one_in_any_case_is_a_conflict(admin_client, other_customer, email):
    UserFactory(email="taken@example.com")
    before = _snapshot(other_customer)

    response = admin_client.patch(_url(other_customer.account_number), {"email": email}, format="json")

    assert_problem(response, 409, "conflict")
    assert _snapshot(other_customer) == before


def test_write_to_an_unknown_account_number_is_not_found(admin_client, other_customer):
    unknown = "000000000000" if other_customer.account_number != "000000000000" else "000000000001"

    assert_problem(admin_client.patch(_url(unknown), {"first_name": "Eve"}, format="json"), 404, "not_found")


# ETag and If-Match -----------------------------------------------------------------------------------


def test_write_response_etag_is_the_new_current_etag(admin_client, other_customer):
    response = admin_client.patch(_url(other_customer.account_number), {"first_name": "Grace"}, format="json")

    assert response["ETag"] == admin_client.get(_url(other_customer.account_number))["ETag"]


@pytest.mark.parametrize("method", ["put", "patch"])
def test_write_with_the_current_etag_in_if_match_applies(admin_client, other_customer, method):
    etag = admin_client.get(_url(other_customer.account_number))["ETag"]
    body = _put_body() if method == "put" else {"first_name": "Grace"}

    response = getattr(admin_client, method)(
        _url(other_customer.account_number), body, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 200, response.content
    other_customer.refresh_from_db()
    assert other_customer.first_name == "Grace"


@pytest.mark.parametrize("method", ["put", "patch"])
def test_write_with_a_stale_etag_is_precondition_failed_and_changes_nothing(admin_client, other_customer, method):
    stale = admin_client.get(_url(other_customer.account_number))["ETag"]
    admin_client.patch(_url(other_customer.account_number), {"last_name": "Byron"}, format="json")
    before = _snapshot(other_customer)
    body = _put_body() if method == "put" else {"first_name": "Grace"}

    response = getattr(admin_client, method)(
        _url(other_customer.account_number), body, format="json", HTTP_IF_MATCH=stale
    )

    assert_problem(response, 412, "precondition_failed")
    assert _snapshot(other_customer) == before
    assert len(_events("customer_updated", other_customer)) == 1  # only the first PATCH


def test_write_with_an_if_match_that_is_not_an_etag_is_precondition_failed(admin_client, other_customer):
    before = _snapshot(other_customer)

    response = admin_client.patch(
        _url(other_customer.account_number), {"first_name": "Grace"}, format="json", HTTP_IF_MATCH='"nonsense"'
    )

    assert_problem(response, 412, "precondition_failed")
    assert _snapshot(other_customer) == before


def test_write_with_if_match_star_applies(admin_client, other_customer):
    response = admin_client.patch(
        _url(other_customer.account_number), {"first_name": "Grace"}, format="json", HTTP_IF_MATCH="*"
    )

    assert response.status_code == 200, response.content
    other_customer.refresh_from_db()
    assert other_customer.first_name == "Grace"


def test_write_with_the_current_etag_among_several_in_if_match_applies(admin_client, other_customer):
    etag = admin_client.get(_url(other_customer.account_number))["ETag"]

    response = admin_client.patch(
        _url(other_customer.account_number),
        {"first_name": "Grace"},
        format="json",
        HTTP_IF_MATCH=f'"0123456789abcdef", {etag}',
    )

    assert response.status_code == 200, response.content


def test_writes_without_if_match_last_write_wins(admin_client, other_customer):
    first = admin_client.patch(_url(other_customer.account_number), {"first_name": "Grace"}, format="json")
    second = admin_client.patch(_url(other_customer.account_number), {"first_name": "Emmy"}, format="json")

    assert (first.status_code, second.status_code) == (200, 200)
    other_customer.refresh_from_db()
    assert other_customer.first_name == "Emmy"


# Status and role changes -----------------------------------------------------------------------------


def test_freezing_revokes_the_customers_tokens_at_once(admin_client, auth_client, customer):
    response = admin_client.patch(_url(customer.account_number), {"status": "frozen"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "frozen"
    assert_problem(auth_client.get(PROFILE), 401, "not_authenticated")
    refreshed = APIClient().post(REFRESH, {"refresh": auth_client.tokens["refresh"]}, format="json")
    assert_problem(refreshed, 401, "not_authenticated")


def test_frozen_customer_cannot_log_in(admin_client, api_client, customer):
    admin_client.patch(_url(customer.account_number), {"status": "frozen"}, format="json")

    response = api_client.post(
        LOGIN, {"account_number": customer.account_number, "password": DEFAULT_PASSWORD}, format="json"
    )

    assert_problem(response, 401, "invalid_credentials")


def test_unfrozen_customer_can_log_in_again(admin_client, api_client, customer):
    admin_client.patch(_url(customer.account_number), {"status": "frozen"}, format="json")

    response = admin_client.patch(_url(customer.account_number), {"status": "active"}, format="json")

    assert response.status_code == 200, response.content
    assert login(api_client, customer)["access"]


def test_tokens_from_before_a_freeze_stay_revoked_after_unfreezing(admin_client, auth_client, customer):
    admin_client.patch(_url(customer.account_number), {"status": "frozen"}, format="json")
    admin_client.patch(_url(customer.account_number), {"status": "active"}, format="json")

    assert_problem(auth_client.get(PROFILE), 401, "not_authenticated")


def test_role_change_revokes_the_users_tokens(admin_client, auth_client, customer):
    response = admin_client.patch(_url(customer.account_number), {"role": "auditor"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["role"] == "auditor"
    assert_problem(auth_client.get(PROFILE), 401, "not_authenticated")
    assert login(APIClient(), customer)["role"] == "auditor"


@pytest.mark.parametrize(
    "change",
    [
        {"first_name": "Grace"},
        {"last_name": "Hopper"},
        {"email": "grace.hopper@example.com"},
        {"phone": "+14155550100"},
        {"date_of_birth": "1986-12-09"},
    ],
)
def test_a_change_of_personal_details_does_not_revoke_tokens(admin_client, auth_client, customer, change):
    response = admin_client.patch(_url(customer.account_number), change, format="json")

    assert response.status_code == 200, response.content
    assert auth_client.get(PROFILE).status_code == 200


def test_closing_with_patch_status_closed_works_like_delete(admin_client, auth_client, api_client, customer):
    response = admin_client.patch(_url(customer.account_number), {"status": "closed"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == _representation(customer)
    assert customer.status == "closed"
    assert_problem(auth_client.get(PROFILE), 401, "not_authenticated")
    login_response = api_client.post(
        LOGIN, {"account_number": customer.account_number, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert_problem(login_response, 401, "invalid_credentials")
    assert len(_events("customer_closed", customer)) == 1


@pytest.mark.parametrize(
    "body", [{"first_name": "Lazarus"}, {"status": "active"}, {"status": "frozen"}, {"role": "admin"}]
)
def test_closed_customer_cannot_be_changed(admin_client, other_customer, body):
    admin_client.delete(_url(other_customer.account_number))
    before = _snapshot(other_customer)

    response = admin_client.patch(_url(other_customer.account_number), body, format="json")

    assert_problem(response, 409, "conflict")
    assert _snapshot(other_customer) == before


def test_closed_customer_cannot_be_replaced_with_put(admin_client, other_customer):
    admin_client.delete(_url(other_customer.account_number))
    before = _snapshot(other_customer)

    response = admin_client.put(_url(other_customer.account_number), _put_body(status="closed"), format="json")

    assert_problem(response, 409, "conflict")
    assert _snapshot(other_customer) == before


def test_repeating_the_closed_status_is_a_no_op(admin_client, other_customer):
    admin_client.delete(_url(other_customer.account_number))
    before = _snapshot(other_customer)

    response = admin_client.patch(_url(other_customer.account_number), {"status": "closed"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == _representation(other_customer)
    assert _snapshot(other_customer) == before
    assert len(_events("customer_closed", other_customer)) == 1


# The last active admin ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [{"role": "customer"}, {"role": "auditor"}, {"status": "frozen"}, {"status": "closed"}]
)
def test_the_last_active_admin_cannot_be_demoted_frozen_or_closed(admin_client, admin_user, body):
    before = _snapshot(admin_user)

    response = admin_client.patch(_url(admin_user.account_number), body, format="json")

    assert_problem(response, 409, "conflict")
    assert _snapshot(admin_user) == before


def test_the_last_active_admin_cannot_be_demoted_with_put(admin_client, admin_user):
    before = _snapshot(admin_user)
    body = _put_body(email=admin_user.email, role="auditor")

    response = admin_client.put(_url(admin_user.account_number), body, format="json")

    assert_problem(response, 409, "conflict")
    assert _snapshot(admin_user) == before


def test_the_last_active_admin_cannot_be_closed_with_delete(admin_client, admin_user):
    before = _snapshot(admin_user)

    response = admin_client.delete(_url(admin_user.account_number))

    assert_problem(response, 409, "conflict")
    assert _snapshot(admin_user) == before


def test_a_frozen_admin_does_not_count_as_an_active_admin(admin_client, admin_user):
    UserFactory(role="admin", status="frozen")

    response = admin_client.patch(_url(admin_user.account_number), {"role": "customer"}, format="json")

    assert_problem(response, 409, "conflict")


def test_with_two_active_admins_one_may_demote_the_other(admin_client, admin_user):
    other_admin = UserFactory(role="admin")
    other_client = token_client(other_admin)

    response = admin_client.patch(_url(other_admin.account_number), {"role": "customer"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["role"] == "customer"
    assert_problem(other_client.get(CUSTOMERS), 401, "not_authenticated")


def test_after_one_of_two_admins_is_demoted_the_other_is_the_last(admin_client, admin_user):
    other_admin = UserFactory(role="admin")
    admin_client.patch(_url(other_admin.account_number), {"role": "customer"}, format="json")

    response = admin_client.patch(_url(admin_user.account_number), {"role": "customer"}, format="json")

    assert_problem(response, 409, "conflict")


def test_an_admin_may_step_down_while_another_admin_is_active(admin_client, admin_user):
    UserFactory(role="admin")

    response = admin_client.patch(_url(admin_user.account_number), {"role": "auditor"}, format="json")

    assert response.status_code == 200, response.content
    admin_user.refresh_from_db()
    assert admin_user.role == "auditor"


# DELETE ------------------------------------------------------------------------------------------------


def test_delete_closes_the_customer_and_keeps_their_data(admin_client, customer):
    before = _representation(customer)

    response = admin_client.delete(_url(customer.account_number))

    assert response.status_code == 204
    assert response.content == b""
    after = _representation(customer)
    assert after["status"] == "closed"
    assert {key: value for key, value in after.items() if key not in ("status", "updated_at")} == {
        key: value for key, value in before.items() if key not in ("status", "updated_at")
    }
    assert admin_client.get(_url(customer.account_number)).json() == after


def test_delete_revokes_the_customers_tokens(admin_client, auth_client, customer):
    admin_client.delete(_url(customer.account_number))

    assert_problem(auth_client.get(PROFILE), 401, "not_authenticated")
    refreshed = APIClient().post(REFRESH, {"refresh": auth_client.tokens["refresh"]}, format="json")
    assert_problem(refreshed, 401, "not_authenticated")


def test_closed_customer_cannot_log_in(admin_client, api_client, customer):
    admin_client.delete(_url(customer.account_number))

    response = api_client.post(LOGIN, {"email": customer.email, "password": DEFAULT_PASSWORD}, format="json")

    assert_problem(response, 401, "invalid_credentials")


def test_repeating_delete_is_also_no_content(admin_client, other_customer):
    first = admin_client.delete(_url(other_customer.account_number))
    second = admin_client.delete(_url(other_customer.account_number))

    assert (first.status_code, second.status_code) == (204, 204)
    other_customer.refresh_from_db()
    assert other_customer.status == "closed"
    assert len(_events("customer_closed", other_customer)) == 1


def test_delete_of_a_frozen_customer_closes_them(admin_client):
    frozen = UserFactory(status="frozen")

    assert admin_client.delete(_url(frozen.account_number)).status_code == 204
    frozen.refresh_from_db()
    assert frozen.status == "closed"


def test_delete_of_an_unknown_account_number_is_not_found(admin_client, other_customer):
    unknown = "000000000000" if other_customer.account_number != "000000000000" else "000000000001"

    assert_problem(admin_client.delete(_url(unknown)), 404, "not_found")


# Audit trail -----------------------------------------------------------------------------------------


def test_create_records_a_customer_created_event_without_the_password(admin_client, admin_user):
    response = admin_client.post(
        CUSTOMERS, _create_body(password=NEW_PASSWORD), format="json", HTTP_X_REQUEST_ID="create-req-1"
    )
    created = User.objects.get(account_number=response.json()["account_number"])

    [event] = _events("customer_created", created)
    assert (event.actor, event.actor_label, event.target_label) == (
        admin_user,
        admin_user.account_number,
        created.account_number,
    )
    assert (event.outcome, event.ip, event.request_id) == ("success", "127.0.0.1", "create-req-1")
    assert event.changes == {
        "email": {"before": None, "after": "grace.hopper@example.com"},
        "first_name": {"before": None, "after": "Grace"},
        "last_name": {"before": None, "after": "Hopper"},
        "phone": {"before": None, "after": "+14155550100"},
        "date_of_birth": {"before": None, "after": "1986-12-09"},
        "role": {"before": None, "after": "customer"},
        "status": {"before": None, "after": "active"},
    }
    assert NEW_PASSWORD not in json.dumps(event.changes)
    assert created.password not in json.dumps(event.changes)


def test_update_records_a_customer_updated_event_with_before_and_after(admin_client, admin_user, other_customer):
    admin_client.patch(
        _url(other_customer.account_number),
        {"first_name": "Grace", "last_name": "Babbage", "date_of_birth": "1980-01-31"},
        format="json",
        HTTP_X_REQUEST_ID="update-req-1",
    )

    [event] = _events("customer_updated", other_customer)
    assert (event.actor, event.actor_label, event.target_label) == (
        admin_user,
        admin_user.account_number,
        other_customer.account_number,
    )
    assert (event.outcome, event.ip, event.request_id) == ("success", "127.0.0.1", "update-req-1")
    assert event.changes == {
        "first_name": {"before": "Charles", "after": "Grace"},
        "date_of_birth": {"before": "1990-12-10", "after": "1980-01-31"},
    }


def test_update_that_changes_nothing_records_no_event(admin_client, other_customer):
    response = admin_client.patch(_url(other_customer.account_number), {"first_name": "Charles"}, format="json")

    assert response.status_code == 200
    assert _events("customer_updated", other_customer) == []


def test_role_change_records_the_update_and_the_token_revocation(admin_client, admin_user, other_customer):
    admin_client.patch(_url(other_customer.account_number), {"role": "auditor"}, format="json")

    [updated] = _events("customer_updated", other_customer)
    [revoked] = _events("token_revoked", other_customer)
    assert updated.changes == {"role": {"before": "customer", "after": "auditor"}}
    assert (updated.actor_label, revoked.actor_label) == (admin_user.account_number, admin_user.account_number)


def test_close_records_a_customer_closed_event(admin_client, admin_user, other_customer):
    admin_client.delete(_url(other_customer.account_number), HTTP_X_REQUEST_ID="close-req-1")

    [event] = _events("customer_closed", other_customer)
    assert (event.actor, event.actor_label, event.target_label) == (
        admin_user,
        admin_user.account_number,
        other_customer.account_number,
    )
    assert (event.outcome, event.request_id) == ("success", "close-req-1")
    assert event.changes == {"status": {"before": "active", "after": "closed"}}
    assert len(_events("token_revoked", other_customer)) == 1


def test_refused_writes_record_no_customer_event(admin_client, admin_user):
    UserFactory(email="taken@example.com")
    victim = UserFactory()
    events_before = AuditEvent.objects.count()

    admin_client.patch(_url(victim.account_number), {"email": "taken@example.com"}, format="json")  # 409
    admin_client.patch(_url(admin_user.account_number), {"role": "customer"}, format="json")  # 409
    admin_client.patch(_url(victim.account_number), {"first_name": "E"}, format="json", HTTP_IF_MATCH='"x"')  # 412
    admin_client.post(CUSTOMERS, _create_body(email="taken@example.com"), format="json")  # 409

    assert AuditEvent.objects.count() == events_before


def test_a_write_that_fails_after_its_audit_event_keeps_neither(admin_client, other_customer, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("token store down")

    monkeypatch.setattr("customers.services.user_revoke_tokens", fail)
    before = _snapshot(other_customer)

    response = admin_client.patch(_url(other_customer.account_number), {"status": "frozen"}, format="json")

    assert_problem(response, 500, "internal_error")
    assert _snapshot(other_customer) == before
    assert _events("customer_updated", other_customer) == []
