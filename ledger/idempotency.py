"""
Provides exactly-once money movements: the `Idempotency-Key` a caller sends with each money-moving
POST. The first request with a key runs, and its outcome (the 201, or the ledger's refusal) is stored
with the movement in one database transaction; the same key and body again get that outcome back
with `Idempotent-Replayed: true`; the same key with another body is 422 `idempotency_key_reused`.
Requests with one key are serialized by a PostgreSQL advisory lock held until their transaction
ends: a duplicate sent while the first is running waits for it (up to IDEMPOTENCY_WAIT_SECONDS) and
then replays its outcome, and past that wait is 409 `conflict`.
"""

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.http import HttpRequest

from accounts.models import User
from bankapi.errors import BankAPIError, ConflictError, IdempotencyKeyRequiredError, IdempotencyKeyReusedError
from ledger.models import IdempotencyRecord

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"[\x20-\x7e]{1,255}")  # printable ASCII, as the contract says
LOCK_NOT_AVAILABLE = "55P03"
IN_FLIGHT = "A request with this Idempotency-Key is still being processed. Retry it shortly."


def idempotency_key(request: HttpRequest) -> str:
    """The request's key, or 400 `idempotency_key_required` when it is missing or malformed."""
    key = request.headers.get(IDEMPOTENCY_KEY_HEADER)
    if key is None or not KEY_PATTERN.fullmatch(key):
        raise IdempotencyKeyRequiredError()
    return key


def request_fingerprint(*, method: str, path: str, body: Any) -> str:
    """What makes two requests the same one: method, path and the body's JSON, keys sorted."""
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Outcome:
    status: int
    body: str  # a 201's JSON body, or the JSON of a refusal's {"code", "detail"}
    replayed: bool

    @property
    def refused(self) -> bool:
        return self.status >= 400

    def refusal(self) -> dict[str, str]:
        return json.loads(self.body)


def run_once(*, owner: User, key: str, fingerprint: str, perform: Callable[[], tuple[int, str]]) -> Outcome:
    """
    Run `perform` (a movement, answering its status and JSON body) unless this caller's `key`
    already has an outcome, and store its outcome under the key in the same transaction. A refusal
    `perform` raises (a BankAPIError: insufficient funds, a frozen account...) is an outcome too,
    replayed like a 201; the movement's own atomic block (a savepoint here) has undone whatever it
    had begun.
    """
    try:
        with transaction.atomic():
            _wait_for_the_key(owner, key)
            record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
            if record is not None:
                if record.fingerprint != fingerprint:
                    raise IdempotencyKeyReusedError()
                return Outcome(record.response_status, record.response_body, replayed=True)
            try:
                status, body = perform()
            except BankAPIError as refusal:
                status = refusal.status_code
                body = json.dumps({"code": refusal.default_code, "detail": str(refusal.detail)})
            try:
                IdempotencyRecord.objects.create(
                    owner=owner, key=key, fingerprint=fingerprint, response_status=status, response_body=body
                )
            except IntegrityError as exc:  # SQLite, which has no advisory locks: the unique key decided
                raise ConflictError(IN_FLIGHT) from exc
            return Outcome(status, body, replayed=False)
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise ConflictError(IN_FLIGHT) from exc
        raise


def _wait_for_the_key(owner: User, key: str) -> None:
    """
    Hold the key's advisory lock until the transaction ends, waiting at most the configured time.
    Usually no one else holds it: one statement takes it; only a duplicate in flight waits.
    """
    if connection.vendor != "postgresql":
        return
    lock = f"idempotency:{owner.pk}:{key}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", [lock])
        if cursor.fetchone()[0]:
            return
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{settings.IDEMPOTENCY_WAIT_SECONDS * 1000}ms"])
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [lock])
        cursor.execute("SELECT set_config('lock_timeout', '0', true)")
