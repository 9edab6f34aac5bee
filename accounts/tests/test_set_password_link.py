"""
A user added on the admin site has no password, and the admin who added them never sees one: the
admin is shown a one-time link (also from the customers' action and `manage.py set_password_link`)
with which the user chooses their own password on a page of the admin site's, without a login.
The link works once, for PASSWORD_RESET_TIMEOUT, and stops working when the user signs in, changes
password or is frozen; a bad link is a page saying so, never an error. Issuing a link and using it
are audited.
"""

import re
from datetime import datetime, timedelta
from io import StringIO
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils.html import strip_tags

from accounts.models import Role, Status, User
from accounts.services import set_password_link_issue
from accounts.set_password_links import set_password_link_path, set_password_link_tokens
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory, give_mfa, totp_code
from audit.models import Action, AuditEvent

ADMIN = f"/{settings.ADMIN_URL}"
LOGIN = f"{ADMIN}login/"
CUSTOMERS = f"{ADMIN}accounts/user/"
DONE = f"{ADMIN}set-password/done/"
NEW_PASSWORD = "a brand new passphrase 7"  # noqa: S105
LINK = re.compile(r"https?://\S+/set-password/\S+/")
UNUSABLE = "This set-password link cannot be used"

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [strip_tags(str(message)) for message in response.context["messages"]]


def link_in(response) -> str:
    """The path of the one link the admin was shown."""
    (url,) = [match for message in messages_of(response) for match in LINK.findall(message)]
    return urlparse(url).path


def add_staff(admin_site: Client, email: str = "ops@bank.example.com", role: str = Role.ADMIN):
    return admin_site.post(
        f"{CUSTOMERS}add/", {"email": email, "first_name": "", "last_name": "", "role": role}, follow=True
    )


def issue(user: User, actor: User | None = None) -> str:
    return set_password_link_path(user, set_password_link_issue(actor=actor, user=user))


def open_link(path: str, client: Client | None = None):
    """Open the link as a browser does: the page moves the token into the session, then shows the form."""
    client = client or Client()
    response = client.get(path, follow=True)
    response.client = client
    return response


def set_password(path: str, password: str = NEW_PASSWORD, confirmation: str | None = None, client=None):
    page = open_link(path, client)
    if page.context.get("form") is None:
        return page
    form_path = page.redirect_chain[-1][0]
    return page.client.post(
        form_path, {"new_password1": password, "new_password2": confirmation or password}, follow=True
    )


def admin_login(user: User, password: str = NEW_PASSWORD) -> bool:
    """Whether `user` gets into the admin site with `password` (having set up MFA, as staff must first)."""
    if not user.has_mfa:
        give_mfa(user)
    client = Client()
    client.post(LOGIN, {"username": user.email, "password": password, "otp_token": totp_code(user)})
    return client.get(ADMIN).status_code == 200


def api_login_status(api_client, user: User, password: str) -> int:
    return api_client.post("/api/v1/auth/login", {"email": user.email, "password": password}, format="json").status_code


def events(action: str, target: User) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, target=target).order_by("id"))


def assert_unusable(response) -> None:
    assert response.status_code == 200
    assert UNUSABLE in response.content.decode()
    assert response.context["form"] is None


# Adding a user shows the admin a link, never a password -----------------------------------------


def test_adding_a_user_shows_the_admin_a_link_and_no_password(admin_site):
    response = add_staff(admin_site)

    added = User.objects.get(email="ops@bank.example.com")
    path = link_in(response)
    assert path.startswith(f"{ADMIN}set-password/{added.public_id}/")
    assert not added.has_usable_password()
    assert not any("password:" in message.lower() for message in messages_of(response))


def test_issuing_a_link_is_audited_with_the_admin_as_actor_and_keeps_no_token(admin_site, admin_user):
    response = add_staff(admin_site)

    added = User.objects.get(email="ops@bank.example.com")
    (event,) = events(Action.PASSWORD_LINK_ISSUED, added)
    assert event.actor == admin_user
    assert event.changes == {}
    assert link_in(response).rstrip("/").rsplit("/", 1)[1] not in str(event.__dict__)


def test_the_link_lets_the_new_admin_choose_a_password_and_sign_in(admin_site):
    path = link_in(add_staff(admin_site))
    added = User.objects.get(email="ops@bank.example.com")

    response = set_password(path)

    assert response.redirect_chain[-1][0] == DONE
    assert "Your password is set" in response.content.decode()
    assert admin_login(added)


def test_setting_the_password_is_audited_as_the_users_own_act_and_revokes_their_tokens(admin_site):
    path = link_in(add_staff(admin_site))
    added = User.objects.get(email="ops@bank.example.com")

    set_password(path)

    (changed,) = events(Action.PASSWORD_CHANGED, added)
    assert (changed.actor, changed.actor_label) == (added, added.account_number)
    (revoked,) = events(Action.TOKEN_REVOKED, added)
    assert revoked.actor == added


def test_a_link_works_once(admin_site):
    path = link_in(add_staff(admin_site))
    added = User.objects.get(email="ops@bank.example.com")
    set_password(path)

    again = set_password(path, password="another fresh passphrase 8")

    assert_unusable(again)
    assert admin_login(added)
    assert len(events(Action.PASSWORD_CHANGED, added)) == 1


def test_of_two_tabs_opened_on_one_link_only_the_first_sets_a_password(admin_site):
    path = link_in(add_staff(admin_site))
    added = User.objects.get(email="ops@bank.example.com")
    first, second = open_link(path), open_link(path)
    form_path = first.redirect_chain[-1][0]

    first.client.post(form_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    late = second.client.post(
        form_path, {"new_password1": "another fresh passphrase 8", "new_password2": "another fresh passphrase 8"}
    )

    assert_unusable(late)
    assert admin_login(added)


def test_the_token_leaves_the_address_bar_before_the_form_is_shown(admin_user):
    customer = UserFactory()
    path = issue(customer, admin_user)
    token = path.rstrip("/").rsplit("/", 1)[1]

    response = Client().get(path)

    assert response.status_code == 302
    assert token not in response["Location"]


# Refused links: a page saying so ---------------------------------------------------------------


def test_an_expired_link_is_refused(admin_user, monkeypatch):
    customer = UserFactory()
    path = issue(customer, admin_user)
    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)  # noqa: DTZ005 - Django's clock
    monkeypatch.setattr(set_password_link_tokens, "_now", lambda: later)

    assert_unusable(open_link(path))


def test_a_link_is_good_for_a_day(admin_user, monkeypatch):
    assert settings.PASSWORD_RESET_TIMEOUT == 24 * 60 * 60
    customer = UserFactory()
    path = issue(customer, admin_user)
    nearly = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT - 60)  # noqa: DTZ005
    monkeypatch.setattr(set_password_link_tokens, "_now", lambda: nearly)

    assert open_link(path).context["form"] is not None


def test_a_wrong_token_is_refused(admin_user):
    customer = UserFactory()
    path = issue(customer, admin_user)
    forged = path[:-3] + ("0" if path[-3] != "0" else "1") + path[-2:]

    assert_unusable(open_link(forged))
    assert customer.check_password(DEFAULT_PASSWORD)


def test_another_users_token_is_refused(admin_user):
    customer, other = UserFactory(), UserFactory()
    token = issue(other, admin_user).rstrip("/").rsplit("/", 1)[1]

    assert_unusable(open_link(f"{ADMIN}set-password/{customer.public_id}/{token}/"))


@pytest.mark.parametrize(
    "tail",
    [
        "not-a-uuid/abc-def/",
        "00000000-0000-0000-0000-000000000000/abc-def/",
        "{public_id}/garbage/",
        "{public_id}/zzzzzzzzzzzzzzzzzzzz-0123/",
        "{public_id}/-/",
        "{public_id}/set-password/",
    ],
)
def test_a_malformed_link_is_a_page_saying_so_never_an_error(customer, tail):
    assert_unusable(open_link(f"{ADMIN}set-password/" + tail.format(public_id=customer.public_id)))


def test_posting_to_a_bad_link_changes_nothing(customer):
    response = Client().post(
        f"{ADMIN}set-password/{customer.public_id}/set-password/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert_unusable(response)
    assert User.objects.get(pk=customer.pk).check_password(DEFAULT_PASSWORD)


def test_a_link_stops_working_when_the_user_signs_in(admin_user, api_client):
    customer = UserFactory()
    path = issue(customer, admin_user)

    assert api_login_status(api_client, customer, DEFAULT_PASSWORD) == 200

    assert_unusable(open_link(path))


def test_a_link_stops_working_when_the_user_changes_password(admin_user, auth_client, customer):
    path = issue(customer, admin_user)

    response = auth_client.post(
        "/api/v1/profile/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": "another fresh passphrase 8"},
        format="json",
    )

    assert response.status_code == 204
    assert_unusable(open_link(path))


def test_a_link_stops_working_when_the_user_is_frozen(admin_site, admin_user):
    customer = UserFactory()
    path = issue(customer, admin_user)

    admin_site.post(CUSTOMERS, {"action": "freeze", "_selected_action": [customer.pk]})

    assert User.objects.get(pk=customer.pk).status == Status.FROZEN
    assert_unusable(open_link(path))


def test_a_weak_password_is_refused_on_the_form_and_the_link_still_works(admin_user):
    customer = UserFactory()
    path = issue(customer, admin_user)

    response = set_password(path, password="password")

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    assert User.objects.get(pk=customer.pk).check_password(DEFAULT_PASSWORD)
    assert open_link(path).context["form"] is not None


def test_two_different_passwords_are_refused_on_the_form(admin_user):
    customer = UserFactory()
    path = issue(customer, admin_user)

    response = set_password(path, confirmation="another fresh passphrase 8")

    assert response.context["form"].errors["new_password2"]
    assert User.objects.get(pk=customer.pk).check_password(DEFAULT_PASSWORD)


# The page is a browser page of the admin site's --------------------------------------------------


def test_the_page_needs_no_login_runs_no_inline_script_and_gets_the_browser_pages_policy(admin_user):
    path = issue(UserFactory(), admin_user)

    page = open_link(path)

    content = page.content.decode()
    assert page.status_code == 200 and 'name="new_password1"' in content
    assert re.findall(r"<script(?![^>]*\bsrc=)", content) == []
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert "form-action 'self'" in page["Content-Security-Policy"]
    assert "no-store" in page["Cache-Control"]


# The customers' action and the command ---------------------------------------------------------


def test_the_customers_action_shows_a_link_for_each_selected_user(admin_site, admin_user, api_client):
    customer = UserFactory()

    response = admin_site.post(
        CUSTOMERS, {"action": "set_password_link", "_selected_action": [customer.pk]}, follow=True
    )

    path = link_in(response)
    assert path.startswith(f"{ADMIN}set-password/{customer.public_id}/")
    assert events(Action.PASSWORD_LINK_ISSUED, customer)[0].actor == admin_user
    set_password(path)
    assert api_login_status(api_client, customer, NEW_PASSWORD) == 200


def test_the_customers_action_refuses_a_user_who_is_not_active(admin_site):
    frozen = UserFactory(status=Status.FROZEN)

    response = admin_site.post(CUSTOMERS, {"action": "set_password_link", "_selected_action": [frozen.pk]}, follow=True)

    assert f"{frozen}: Only an active user can be given a set-password link." in messages_of(response)
    assert not LINK.search(" ".join(messages_of(response)))
    assert events(Action.PASSWORD_LINK_ISSUED, frozen) == []


def test_the_set_password_link_command_prints_a_working_link_and_is_audited(customer):
    output = StringIO()

    call_command("set_password_link", customer.email, "--base-url", "https://bank.example/", stdout=output)

    url = output.getvalue().splitlines()[-1]
    assert url.startswith(f"https://bank.example/{settings.ADMIN_URL}set-password/{customer.public_id}/")
    (event,) = events(Action.PASSWORD_LINK_ISSUED, customer)
    assert (event.actor, event.actor_label) == (None, "system")
    set_password(urlparse(url).path)
    assert User.objects.get(pk=customer.pk).check_password(NEW_PASSWORD)


def test_the_set_password_link_command_refuses_an_unknown_user():
    with pytest.raises(CommandError, match="no user has the email or account number"):
        call_command("set_password_link", "nobody@example.com", stdout=StringIO())
