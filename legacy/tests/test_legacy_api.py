"""
The Flask service's routes, driven with the bodies a Flask-era client sends (app/routes.py and
app/auth.py of the Flask service), get the Flask shapes and status codes back, under this service's
rules: roles, lockout, rate limits, validation, audit. Real PostgreSQL and Redis.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import Status, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from audit.models import AuditEvent
from conftest import login, token_client, wait_for_fresh_rate_window
from ledger.models import Account
from legacy.models import CustomerDetails

pytestmark = pytest.mark.django_db

FLASK_NUMBER = "123456789012"
REGISTERED = "User registered successfully"


@pytest.fixture(autouse=True)
def legacy_on(settings):
    settings.LEGACY_API_ENABLED = True


def flask_customer(**overrides) -> dict:
    """The body a Flask client sends to POST /register and POST / (every field of its required_fields)."""
    return {
        "account_number": FLASK_NUMBER,
        "first_name": "John",
        "last_name": "Doe",
        "age": 30,
        "gender": "Male",
        "phone_number": "(202) 555-0143",
        "address": "123 Main St, Springfield",
        "bank_account_type": "savings",
        "date_of_account_opening": "2024-01-15",
        "branch_code": "BR001",
        "password": DEFAULT_PASSWORD,
        **overrides,
    }


def body(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content
    return json.loads(response.content)


def assert_flask_error(response, status: int, message: str | None = None) -> dict:
    assert response.status_code == status, response.content
    payload = body(response)
    assert payload["success"] is False
    assert isinstance(payload["message"], str) and payload["message"]
    assert set(payload) <= {"success", "message", "errors"}
    if message is not None:
        assert payload["message"] == message
    return payload


def post(client: APIClient, path: str, data, **extra):
    return client.post(path, data, format="json", **extra)


def flask_login(client: APIClient, account_number: str, password: str = DEFAULT_PASSWORD):
    return post(client, "/login", {"account_number": account_number, "password": password})


# POST /register ----------------------------------------------------------------------------------


def test_register_with_a_flask_body_keeps_the_number_and_the_details_and_answers_as_flask(api_client):
    response = post(api_client, "/register", flask_customer())

    assert response.status_code == 201, response.content
    assert body(response) == {
        "success": True,
        "message": "User registered successfully",
        "account_number": FLASK_NUMBER,
    }
    user = User.objects.get(account_number=FLASK_NUMBER)
    assert (user.email, user.first_name, user.last_name, user.phone) == (None, "John", "Doe", "+12025550143")
    assert user.role == "customer" and user.check_password(DEFAULT_PASSWORD)
    details = CustomerDetails.objects.get(user=user)
    assert (details.address, details.branch_code, details.account_type, str(details.opened_on)) == (
        "123 Main St, Springfield",
        "BR001",
        "savings",
        "2024-01-15",
    )
    assert Account.objects.filter(holder=user).exists()
    event = AuditEvent.objects.get(action="register", target=user)
    assert event.actor == user
    assert event.changes["address"]["after"] == "123 Main St, Springfield"
    assert event.changes["phone"]["after"] == "+12025550143"


def test_age_and_gender_are_accepted_and_never_stored(api_client):
    response = post(api_client, "/register", flask_customer(age=47, gender="Nonbinary-Unique-Marker"))

    assert response.status_code == 201, response.content
    assert {field.name for field in CustomerDetails._meta.get_fields()}.isdisjoint({"age", "gender"})
    assert {field.name for field in User._meta.get_fields()}.isdisjoint({"age", "gender"})
    events = json.dumps(list(AuditEvent.objects.values("changes")))
    assert "Nonbinary-Unique-Marker" not in events and "gender" not in events and "age" not in events
    with connection.cursor() as cursor:  # nowhere in the rows of the new customer
        cursor.execute("SELECT row_to_json(u)::text FROM accounts_user u WHERE account_number = %s", [FLASK_NUMBER])
        assert "Nonbinary" not in cursor.fetchone()[0]


def test_register_takes_age_and_gender_as_optional(api_client):
    data = flask_customer()
    del data["age"], data["gender"]

    assert post(api_client, "/register", data).status_code == 201


def test_register_with_a_taken_account_number_is_409_as_flask(api_client):
    UserFactory()
    taken = User.objects.get().account_number

    response = post(api_client, "/register", flask_customer(account_number=taken))

    assert_flask_error(response, 409, "User with this account number already exists")
    assert User.objects.filter(account_number=taken).count() == 1


def test_register_names_the_missing_fields_as_flask(api_client):
    data = flask_customer()
    del data["phone_number"], data["branch_code"]

    response = post(api_client, "/register", data)

    payload = assert_flask_error(response, 400, "Missing required fields: phone_number, branch_code")
    assert set(payload["errors"]) == {"phone_number", "branch_code"}


def test_register_reports_every_bad_format_at_once_in_flask_words(api_client):
    response = post(
        api_client,
        "/register",
        flask_customer(account_number="12345", phone_number="555-0143", date_of_account_opening="15/01/2024"),
    )

    payload = assert_flask_error(response, 400)
    assert "Invalid account number format. Must be 12 digits." in payload["message"]
    assert "Invalid phone number format. Use (XXX) XXX-XXXX." in payload["message"]
    assert "Invalid date format. Use YYYY-MM-DD." in payload["message"]
    assert set(payload["errors"]) == {"account_number", "phone_number", "date_of_account_opening"}
    assert not User.objects.exists()


def test_register_accepts_an_e164_phone_and_refuses_an_impossible_north_american_one(api_client):
    assert post(api_client, "/register", flask_customer(phone_number="+447700900123")).status_code == 201

    response = post(
        api_client, "/register", flask_customer(account_number="123456789013", phone_number="(123) 456-7890")
    )

    assert_flask_error(response, 400, "Invalid phone number format. Use (XXX) XXX-XXXX.")


def test_register_holds_the_password_to_this_services_rules(api_client):
    response = post(api_client, "/register", flask_customer(password="secret12"))  # Flask's 8 were enough

    payload = assert_flask_error(response, 400)
    assert payload["message"].startswith("password: ")
    assert not User.objects.exists()


def test_register_refuses_unknown_fields(api_client):
    response = post(api_client, "/register", flask_customer(email="john@example.com", role="admin"))

    payload = assert_flask_error(response, 400, "Unknown fields: email, role")
    assert set(payload["errors"]) == {"email", "role"}


def test_register_refuses_an_account_type_the_flask_data_never_had(api_client):
    response = post(api_client, "/register", flask_customer(bank_account_type="crypto"))

    assert_flask_error(response, 400, "Invalid bank_account_type. Use savings, checking or business.")
    assert post(api_client, "/register", flask_customer(bank_account_type="Checking")).status_code == 201
    assert CustomerDetails.objects.get().account_type == "checking"


@pytest.mark.parametrize("payload", ["{}", "[]", "null", ""])
def test_a_body_without_json_data_is_400_as_flask(api_client, payload):
    response = api_client.post("/register", payload, content_type="application/json")

    assert_flask_error(response, 400, "Request must contain JSON data")


def test_malformed_json_and_another_media_type_are_errors_in_the_flask_shape(api_client):
    assert_flask_error(api_client.post("/login", "{", content_type="application/json"), 400)
    assert_flask_error(api_client.post("/login", "account_number=1", content_type="text/plain"), 415)


# POST /login -------------------------------------------------------------------------------------


def test_login_answers_the_flask_body_with_a_token_that_works_on_api_v1(api_client):
    post(api_client, "/register", flask_customer())

    response = flask_login(api_client, FLASK_NUMBER)

    assert response.status_code == 200, response.content
    payload = body(response)
    assert set(payload) == {"success", "token", "user"}
    assert payload["success"] is True
    assert payload["user"] == {"name": "John Doe", "account_type": "savings", "account_number": FLASK_NUMBER}
    assert "no-store" in response["Cache-Control"]
    v1 = APIClient(HTTP_AUTHORIZATION=f"Bearer {payload['token']}").get("/api/v1/profile")
    assert v1.status_code == 200 and v1.json()["account_number"] == FLASK_NUMBER
    assert AuditEvent.objects.filter(action="login_succeeded", target__account_number=FLASK_NUMBER).exists()


def test_login_of_a_customer_without_flask_details_has_no_account_type(api_client, customer):
    payload = body(flask_login(api_client, customer.account_number))

    assert payload["user"] == {"name": "Ada Lovelace", "account_type": None, "account_number": customer.account_number}


def test_a_wrong_password_and_an_unknown_account_get_the_same_401(api_client, customer):
    wrong = flask_login(api_client, customer.account_number, "not the password at all")
    unknown = flask_login(api_client, "999999999999", "not the password at all")

    assert_flask_error(wrong, 401, "Invalid credentials")
    assert wrong.content == unknown.content
    assert AuditEvent.objects.filter(action="login_failed", target=customer).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password": DEFAULT_PASSWORD}, "Account number is required"),
        ({"account_number": "", "password": DEFAULT_PASSWORD}, "Account number is required"),
        ({"account_number": FLASK_NUMBER}, "Password is required"),
        ({"account_number": FLASK_NUMBER, "password": ""}, "Password is required"),
        ({"account_number": "12345", "password": DEFAULT_PASSWORD}, "Invalid account number format"),
    ],
)
def test_login_input_errors_are_the_flask_messages(api_client, data, message):
    assert_flask_error(post(api_client, "/login", data), 400, message)


def test_a_locked_account_is_429_with_retry_after_even_with_the_right_password(
    api_client, customer, production_hashers
):
    for attempt in range(5):
        response = flask_login(api_client, customer.account_number, f"wrong password number {attempt}")
        assert_flask_error(response, 401, "Invalid credentials")  # the one that locks too, as on /api/v1

    response = flask_login(api_client, customer.account_number)

    assert_flask_error(response, 429, "Account is locked due to too many failed attempts. Try again later.")
    assert 1 <= int(response["Retry-After"]) <= 30 * 60
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="lockout", target=customer).exists()
    assert AuditEvent.objects.filter(action="login_refused_locked", target=customer).exists()
    # The lock is the account's, whichever route is used.
    v1 = post(
        api_client, "/api/v1/auth/login", {"account_number": customer.account_number, "password": DEFAULT_PASSWORD}
    )
    assert v1.status_code == 429


def test_a_user_with_mfa_is_sent_to_the_api_v1_login(api_client):
    user = UserFactory(mfa=True)

    response = flask_login(api_client, user.account_number)

    payload = assert_flask_error(response, 403)
    assert "/api/v1/auth/login" in payload["message"]
    assert not AuditEvent.objects.filter(action="login_succeeded").exists()


def test_login_shares_its_rate_limit_with_the_api_v1_login(api_client, customer, settings):
    settings.RATE_LOGIN = "2/m"
    wait_for_fresh_rate_window("ip:127.0.0.1", 60)
    v1 = {"account_number": customer.account_number, "password": DEFAULT_PASSWORD}

    assert post(api_client, "/api/v1/auth/login", v1).status_code == 200
    assert flask_login(api_client, customer.account_number).status_code == 200
    response = flask_login(api_client, customer.account_number)

    assert_flask_error(response, 429, "Too many requests")
    assert int(response["Retry-After"]) >= 1
    assert "no-store" in response["Cache-Control"]


def test_register_shares_its_rate_limit_with_the_api_v1_register(api_client, settings):
    settings.RATE_REGISTER = "1/h"
    v1 = {
        "email": "ada@example.com",
        "password": DEFAULT_PASSWORD,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "+447700900123",
        "date_of_birth": "1990-12-10",
    }
    wait_for_fresh_rate_window("ip:127.0.0.1", 3600)

    assert post(api_client, "/api/v1/auth/register", v1).status_code == 201
    response = post(api_client, "/register", flask_customer())

    assert_flask_error(response, 429, "Too many requests")
    assert not User.objects.filter(account_number=FLASK_NUMBER).exists()


# GET /profile ------------------------------------------------------------------------------------


def test_profile_is_the_flask_dict_without_age_and_gender(api_client):
    post(api_client, "/register", flask_customer())
    token = body(flask_login(api_client, FLASK_NUMBER))["token"]
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {token}")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/profile")

    assert response.status_code == 200, response.content
    payload = body(response)
    assert payload["success"] is True
    profile = payload["profile"]
    last_login = User.objects.get(account_number=FLASK_NUMBER).last_login
    assert profile == {
        "account_number": FLASK_NUMBER,
        "first_name": "John",
        "last_name": "Doe",
        "phone_number": "+12025550143",
        "address": "123 Main St, Springfield",
        "bank_account_type": "savings",
        "date_of_account_opening": "2024-01-15",
        "branch_code": "BR001",
        "last_login": last_login.strftime("%Y-%m-%d %H:%M:%S"),
    }
    assert len(queries) == 2, [query["sql"] for query in queries]  # the token's user, then the details


def test_an_api_v1_token_reads_the_legacy_profile(auth_client, customer):
    response = auth_client.get("/profile")

    assert response.status_code == 200, response.content
    profile = body(response)["profile"]
    assert profile["account_number"] == customer.account_number
    assert profile["phone_number"] == "+447700900123"
    assert (profile["address"], profile["bank_account_type"], profile["branch_code"]) == (None, None, None)
    assert profile["date_of_account_opening"] == customer.created_at.date().isoformat()


@pytest.mark.parametrize(
    ("header", "message"),
    [(None, "Authentication required"), ("Bearer not-a-token", "Token is invalid or expired.")],
)
def test_profile_without_a_good_token_is_401_in_the_flask_shape(api_client, header, message):
    if header:
        api_client.credentials(HTTP_AUTHORIZATION=header)

    response = api_client.get("/profile")

    assert_flask_error(response, 401, message)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_closed_customers_token_stops_working(auth_client, customer, admin_client):
    assert admin_client.delete(f"/{customer.account_number}").status_code == 200

    assert_flask_error(auth_client.get("/profile"), 401)


# GET / and POST / --------------------------------------------------------------------------------


def test_a_customer_token_on_the_list_is_403(auth_client):
    assert_flask_error(auth_client.get("/"), 403, "You do not have permission to perform this action.")


def test_staff_list_customers_as_flask_newest_first_without_closed_ones(auditor_client, customer, admin_client):
    post(admin_client, "/", flask_customer())
    closed = UserFactory(status=Status.CLOSED)

    response = auditor_client.get("/")

    assert response.status_code == 200, response.content
    payload = body(response)
    assert set(payload) == {"success", "users", "next", "previous"}
    assert payload["success"] is True and payload["next"] is None
    numbers = [user["account_number"] for user in payload["users"]]
    assert numbers[0] == FLASK_NUMBER and customer.account_number in numbers
    assert closed.account_number not in numbers
    flask_row = payload["users"][0]
    assert set(flask_row) == {
        "account_number",
        "first_name",
        "last_name",
        "phone_number",
        "address",
        "bank_account_type",
        "date_of_account_opening",
        "branch_code",
        "last_login",
    }
    assert (flask_row["phone_number"], flask_row["branch_code"], flask_row["last_login"]) == (
        "+12025550143",
        "BR001",
        None,
    )


def test_the_list_is_bounded_and_pages_on_with_next(admin_client, django_assert_max_num_queries):
    for _ in range(3):
        UserFactory()

    with django_assert_max_num_queries(3):  # the token's user, the page (details joined), nothing per row
        first = body(admin_client.get("/?page_size=2"))

    assert len(first["users"]) == 2 and first["next"]
    second = body(admin_client.get(first["next"]))
    assert len(second["users"]) == 2 and second["next"] is None  # three customers and the admin
    assert_flask_error(admin_client.get("/?limit=10"), 400)


def test_an_admin_adds_a_customer_with_the_flask_body(admin_client, admin_user):
    response = post(admin_client, "/", flask_customer())

    assert response.status_code == 201, response.content
    assert body(response) == {
        "success": True,
        "message": "User registered successfully",
        "account_number": FLASK_NUMBER,
    }
    user = User.objects.get(account_number=FLASK_NUMBER)
    assert CustomerDetails.objects.get(user=user).branch_code == "BR001"
    event = AuditEvent.objects.get(action="customer_created", target=user)
    assert event.actor == admin_user
    assert event.changes["account_type"]["after"] == "savings"


def test_adding_a_taken_account_number_is_409(admin_client, customer):
    response = post(admin_client, "/", flask_customer(account_number=customer.account_number))

    assert_flask_error(response, 409, "User with this account number already exists")


@pytest.mark.parametrize("who", ["customer", "auditor"])
def test_only_admins_add_customers(who, auth_client, auditor_client):
    client = auth_client if who == "customer" else auditor_client

    assert_flask_error(post(client, "/", flask_customer()), 403)
    assert not User.objects.filter(account_number=FLASK_NUMBER).exists()


# PUT and DELETE /<account_number> ----------------------------------------------------------------


def test_an_admin_changes_a_customer_with_the_flask_body_audited_before_and_after(admin_client, admin_user):
    post(admin_client, "/", flask_customer())

    response = admin_client.put(
        f"/{FLASK_NUMBER}",
        {"phone_number": "(212) 456-7890", "address": "1 New Road", "age": 31, "gender": "Male"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert body(response) == {"success": True, "message": "Details updated successfully"}
    user = User.objects.get(account_number=FLASK_NUMBER)
    assert user.phone == "+12124567890"
    assert CustomerDetails.objects.get(user=user).address == "1 New Road"
    changes = {}
    for event in AuditEvent.objects.filter(action="customer_updated", target=user, actor=admin_user):
        changes.update(event.changes)
    assert changes == {
        "phone": {"before": "+12025550143", "after": "+12124567890"},
        "address": {"before": "123 Main St, Springfield", "after": "1 New Road"},
    }


def test_a_password_cannot_be_set_through_put(admin_client, customer):
    response = admin_client.put(f"/{customer.account_number}", {"password": "a brand new passphrase"}, format="json")

    payload = assert_flask_error(response, 400)
    assert "password" in payload["errors"]
    customer.refresh_from_db()
    assert customer.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize(("method", "data"), [("put", {"first_name": "Eve"}), ("delete", None)])
def test_customers_and_auditors_may_not_change_or_remove_anyone(method, data, auth_client, auditor_client, customer):
    other = UserFactory()
    for client in (auth_client, auditor_client):
        response = getattr(client, method)(f"/{other.account_number}", data, format="json")
        assert_flask_error(response, 403)
    other.refresh_from_db()
    assert (other.first_name, other.status) == ("Ada", "active")


@pytest.mark.parametrize("method", ["put", "delete"])
def test_an_unknown_account_number_is_404_and_a_malformed_one_400_as_flask(admin_client, method):
    response = getattr(admin_client, method)("/999999999999", {"first_name": "Eve"}, format="json")
    assert_flask_error(response, 404, "Customer with account number 999999999999 not found")

    response = getattr(admin_client, method)("/12345", {"first_name": "Eve"}, format="json")
    assert_flask_error(response, 400, "Invalid account number format. Must be 12 digits.")


def test_put_without_json_data_is_400_as_flask(admin_client, customer):
    assert_flask_error(
        admin_client.put(f"/{customer.account_number}", {}, format="json"), 400, "Request must contain JSON data"
    )


def test_delete_closes_the_customer_and_then_they_are_gone_from_the_flask_routes(admin_client, admin_user, customer):
    response = admin_client.delete(f"/{customer.account_number}")

    assert response.status_code == 200, response.content
    assert body(response) == {"success": True, "message": "Details removed successfully"}
    customer.refresh_from_db()
    assert customer.status == Status.CLOSED  # closed, data kept: not deleted
    assert AuditEvent.objects.filter(action="customer_closed", target=customer, actor=admin_user).exists()
    assert_flask_error(admin_client.delete(f"/{customer.account_number}"), 404)
    assert_flask_error(admin_client.put(f"/{customer.account_number}", {"first_name": "Eve"}, format="json"), 404)
    v1 = admin_client.get(f"/api/v1/customers/{customer.account_number}")
    assert v1.status_code == 200 and v1.json()["status"] == "closed"


def test_another_method_is_405_in_the_flask_shape_with_allow(admin_client, customer):
    response = admin_client.get(f"/{customer.account_number}")

    assert_flask_error(response, 405, "Method not allowed")
    assert {"PUT", "DELETE"} <= {method.strip() for method in response["Allow"].split(",")}


def test_a_legacy_token_and_a_v1_token_are_the_same_token(api_client, customer):
    v1_token = login(api_client, customer)["access"]
    legacy_token = body(flask_login(api_client, customer.account_number))["token"]

    for token in (v1_token, legacy_token):
        client = APIClient(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert client.get("/profile").status_code == 200
        assert client.get("/api/v1/profile").status_code == 200


def test_staff_without_mfa_are_confined_on_the_legacy_routes_too():
    admin = UserFactory(role="admin", mfa=False)
    client = token_client(admin)

    payload = assert_flask_error(client.get("/"), 403)
    assert "MFA" in payload["message"] or "two-factor" in payload["message"]


# Failures ----------------------------------------------------------------------------------------


def test_an_unexpected_error_is_500_in_the_flask_shape_without_details(api_client, monkeypatch):
    import legacy.services

    def explode(**kwargs):
        raise RuntimeError("secret internals: postgres://user:password@db/bank")

    monkeypatch.setattr(legacy.services, "user_create", explode)

    response = post(api_client, "/register", flask_customer())

    assert_flask_error(response, 500, "Internal server error")
    assert b"secret" not in response.content and b"postgres" not in response.content


def test_login_fails_closed_in_the_flask_shape_when_redis_is_down(api_client, customer, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    import bankapi.ratelimits

    def unreachable(**kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(bankapi.ratelimits, "count_request", unreachable)

    response = flask_login(api_client, customer.account_number)

    assert_flask_error(response, 503, "Service temporarily unavailable. Try again later.")
    assert b"6379" not in response.content
