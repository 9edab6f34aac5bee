"""
Staff on the admin site: the login's refusal says what is true (the email's case does not matter,
the password's does, only active admins get in); staff have a display name (their name, else their
email, else their account number) that the admin site's messages use; staff made by `create_staff`,
who may have no name, can be edited and saved in the form, while a customer still needs both names.
"""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils.html import strip_tags

from accounts.models import Role, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory, admin_site_login, totp_code
from audit.models import Action, AuditEvent
from customers.tests.admin_forms import form_data

ADMIN = f"/{settings.ADMIN_URL}"
LOGIN = f"{ADMIN}login/"
CUSTOMERS = f"{ADMIN}accounts/user/"
WRONG = "not the password at all"  # noqa: S105
REFUSAL = (
    "Enter the email or account number and the password of an active admin. "
    "The email's case does not matter; the password's does."
)

pytestmark = pytest.mark.django_db


def refusal_of(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return list(response.context["form"].non_field_errors())


def messages_of(response) -> list[str]:
    """The messages as a reader sees them (the admin links the name of what it added)."""
    return [strip_tags(str(message)) for message in response.context["messages"]]


def create_staff(*args: str) -> User:
    output = StringIO()
    call_command("create_staff", *args, stdout=output)
    return User.objects.get(email=args[0])


# The login's refusal ----------------------------------------------------------------------------


def test_a_wrong_password_is_refused_with_what_is_true_of_the_fields(admin_user):
    response = Client().post(LOGIN, {"username": admin_user.email, "password": WRONG})

    assert refusal_of(response) == [REFUSAL]
    assert "case-sensitive" not in response.content.decode()


def test_the_refusal_holds_that_the_emails_case_does_not_matter(admin_user):
    client = Client()

    response = client.post(
        LOGIN, {"username": admin_user.email.upper(), "password": DEFAULT_PASSWORD, "otp_token": totp_code(admin_user)}
    )

    assert response.status_code == 302
    assert client.get(ADMIN).status_code == 200


def test_the_refusal_holds_that_the_passwords_case_does(admin_user):
    response = Client().post(LOGIN, {"username": admin_user.email, "password": DEFAULT_PASSWORD.upper()})

    assert refusal_of(response) == [REFUSAL]


def test_an_auditor_with_the_right_password_is_told_only_active_admins_get_in(auditor):
    response = Client().post(LOGIN, {"username": auditor.email, "password": DEFAULT_PASSWORD})

    assert refusal_of(response) == [REFUSAL]


# Display names ----------------------------------------------------------------------------------


def test_a_named_users_display_name_is_the_name():
    assert UserFactory(first_name="Grace", last_name="Hopper").display_name == "Grace Hopper"


def test_a_staff_member_without_a_name_is_called_by_the_email():
    staff = UserFactory(role=Role.ADMIN, first_name="", last_name="", email="ops@bank.example.com")

    assert staff.display_name == "ops@bank.example.com"


def test_a_user_without_name_or_email_is_called_by_the_account_number():
    imported = UserFactory(first_name="", last_name="", email=None)

    assert imported.display_name == imported.account_number
    assert str(imported) == imported.account_number


def test_a_user_is_shown_with_the_account_number_which_tells_namesakes_apart():
    first, second = UserFactory(), UserFactory()

    assert str(first) == f"Ada Lovelace ({first.account_number})"
    assert str(first) != str(second)


def test_the_api_still_represents_a_user_by_fields_not_by_display_name(admin_client):
    staff = UserFactory(role=Role.AUDITOR, first_name="", last_name="")

    body = admin_client.get(f"/api/v1/customers/{staff.account_number}").json()

    assert "display_name" not in body
    assert (body["first_name"], body["last_name"], body["email"]) == ("", "", staff.email)


# Adding and editing staff on the admin site -----------------------------------------------------


def test_adding_an_admin_without_a_name_names_them_by_email_in_the_message(admin_site):
    response = admin_site.post(
        f"{CUSTOMERS}add/",
        {"email": "ops@bank.example.com", "first_name": "", "last_name": "", "role": Role.ADMIN, "_save": "Save"},
        follow=True,
    )

    added = User.objects.get(email="ops@bank.example.com")
    assert added.role == Role.ADMIN
    added_message = f"“ops@bank.example.com ({added.account_number})” was added successfully."
    assert any(message.endswith(added_message) for message in messages_of(response)), messages_of(response)
    assert not any("“”" in message for message in messages_of(response))


def test_adding_a_named_customer_names_them_in_the_message(admin_site):
    response = admin_site.post(
        f"{CUSTOMERS}add/",
        {"email": "grace@example.com", "first_name": "Grace", "last_name": "Hopper", "role": Role.CUSTOMER},
        follow=True,
    )

    added = User.objects.get(email="grace@example.com")
    assert any(f"“Grace Hopper ({added.account_number})” was added" in message for message in messages_of(response))


def test_a_customer_still_needs_both_names_on_the_admin_form(admin_site):
    response = admin_site.post(
        f"{CUSTOMERS}add/", {"email": "nameless@example.com", "first_name": "", "last_name": "", "role": "customer"}
    )

    assert response.status_code == 200
    assert {"first_name", "last_name"} <= set(response.context["adminform"].form.errors)
    assert not User.objects.filter(email="nameless@example.com").exists()


def test_a_create_staff_admin_can_be_edited_and_saved_on_the_admin_form(admin_site, admin_user):
    staff = create_staff("ops@bank.example.com", "--role", "admin")
    assert (staff.first_name, staff.last_name) == ("", "")

    response = admin_site.post(f"{CUSTOMERS}{staff.pk}/change/", form_data(staff, phone="+447700900777"), follow=True)

    staff.refresh_from_db()
    assert staff.phone == "+447700900777"
    assert any("was changed successfully" in message for message in messages_of(response))
    (event,) = AuditEvent.objects.filter(action=Action.CUSTOMER_UPDATED, target=staff)
    assert event.actor == admin_user


def test_a_nameless_staff_member_cannot_become_a_customer_without_names(admin_site):
    staff = create_staff("ops@bank.example.com", "--role", "auditor")

    response = admin_site.post(f"{CUSTOMERS}{staff.pk}/change/", form_data(staff, role=Role.CUSTOMER))

    assert response.status_code == 200
    assert {"first_name", "last_name"} <= set(response.context["adminform"].form.errors)
    staff.refresh_from_db()
    assert staff.role == Role.AUDITOR


def test_the_staff_members_page_is_titled_with_the_display_name(admin_site):
    staff = create_staff("ops@bank.example.com", "--role", "auditor")

    content = admin_site.get(f"{CUSTOMERS}{staff.pk}/change/").content.decode()

    assert f"ops@bank.example.com ({staff.account_number})" in content


def test_the_admin_site_greets_staff_by_name_not_by_account_number(admin_user):
    admin_user.first_name, admin_user.last_name = "Grace", "Hopper"
    admin_user.save(update_fields=["first_name", "last_name"])
    client = admin_site_login(Client(), admin_user)

    header = client.get(f"/{settings.ADMIN_URL}").content.decode()

    assert "Grace Hopper" in strip_tags(header)
    assert admin_user.account_number not in strip_tags(header).split("Welcome,")[1].split("View site")[0]


# create_staff's names ---------------------------------------------------------------------------


def test_create_staff_may_name_the_staff_member():
    output = StringIO()
    call_command(
        "create_staff",
        "ada@bank.example.com",
        "--role",
        "admin",
        "--first-name",
        " Ada ",
        "--last-name",
        "Lovelace",
        stdout=output,
    )

    staff = User.objects.get(email="ada@bank.example.com")
    assert (staff.first_name, staff.last_name, staff.display_name) == ("Ada", "Lovelace", "Ada Lovelace")
    assert "created admin ada@bank.example.com (Ada Lovelace) with account number" in output.getvalue()


def test_create_staff_refuses_a_name_the_api_would_refuse():
    with pytest.raises(CommandError, match="--first-name"):
        call_command(
            "create_staff", "ada@bank.example.com", "--role", "admin", "--first-name", "Ad4", stdout=StringIO()
        )

    assert not User.objects.filter(email="ada@bank.example.com").exists()
