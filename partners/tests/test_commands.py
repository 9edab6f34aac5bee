"""
create_partner_key prints a new key once (only its hash is kept); revoke_partner_key revokes it at
once. Bad input: one clear line and a non-zero exit, nothing changed.
"""

import subprocess

import pytest

from conftest import manage
from partners.models import PartnerKey
from partners.tests.conftest import VERIFY, key_client

BODY = {"account_number": "400000000001", "name": "Ada Lovelace"}


def assert_one_line_error(result: subprocess.CompletedProcess, *, mentions: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert mentions in lines[0]


def issued_key(result) -> str:
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    label, key = line.split(" ")
    assert label == "api_key:"
    return key


def test_create_partner_key_prints_a_working_key_once_and_keeps_only_its_hash(transactional_db):
    result = manage("create_partner_key", "Acme Payments")

    key = issued_key(result)
    assert "not shown again" in result.stderr
    stored = PartnerKey.objects.get(name="Acme Payments")
    assert key.startswith(f"{stored.prefix}.")
    assert key not in (stored.id, stored.hashed_key)
    assert key.partition(".")[2] not in f"{stored.id} {stored.hashed_key}"
    assert key_client(key).post(VERIFY, BODY, format="json").status_code == 200


def test_revoke_partner_key_stops_the_key_at_once(transactional_db):
    key = issued_key(manage("create_partner_key", "Acme Payments"))
    assert key_client(key).post(VERIFY, BODY, format="json").status_code == 200  # now held by this process

    result = manage("revoke_partner_key", "Acme Payments")

    assert result.returncode == 0, result.stderr
    assert "revoked" in result.stdout and "Acme Payments" in result.stdout
    assert key not in result.stdout
    assert key_client(key).post(VERIFY, BODY, format="json").status_code == 401


def test_a_revoked_partner_can_be_issued_a_new_key(transactional_db):
    old = issued_key(manage("create_partner_key", "Acme Payments"))
    manage("revoke_partner_key", "Acme Payments")

    new = issued_key(manage("create_partner_key", "Acme Payments"))

    assert new != old
    assert key_client(new).post(VERIFY, BODY, format="json").status_code == 200
    assert key_client(old).post(VERIFY, BODY, format="json").status_code == 401


def test_create_partner_key_refuses_a_second_usable_key_for_a_name(transactional_db):
    manage("create_partner_key", "Acme Payments")

    result = manage("create_partner_key", "Acme Payments")

    assert_one_line_error(result, mentions="already has a usable key")
    assert PartnerKey.objects.count() == 1


@pytest.mark.parametrize(("name", "mentions"), [("   ", "needs a name"), ("x" * 51, "at most 50 characters")])
def test_create_partner_key_refuses_a_bad_name(transactional_db, name, mentions):
    result = manage("create_partner_key", name)

    assert_one_line_error(result, mentions=mentions)
    assert not PartnerKey.objects.exists()


def test_revoke_partner_key_refuses_an_unknown_name(transactional_db):
    result = manage("revoke_partner_key", "Nobody")

    assert_one_line_error(result, mentions="no usable partner key named 'Nobody'")


def test_revoke_partner_key_refuses_a_key_already_revoked(transactional_db):
    manage("create_partner_key", "Acme Payments")
    manage("revoke_partner_key", "Acme Payments")

    result = manage("revoke_partner_key", "Acme Payments")

    assert_one_line_error(result, mentions="no usable partner key named 'Acme Payments'")
