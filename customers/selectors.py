"""
Provides the staff reads of customers, each shaped to use an index of migration accounts/0003.
"""

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.db.models.lookups import StartsWith

from accounts.account_numbers import is_account_number
from accounts.models import User

# A search that matches at most this many customers is answered from the search indexes alone.
SEARCH_CANDIDATE_LIMIT = 5000


def customer_list(*, status: str | None = None, role: str | None = None, search: str | None = None) -> QuerySet:
    """
    Customers (and staff) newest first, optionally filtered. `search` is an exact account number
    (12 digits), else a case-insensitive email prefix or a fragment of "first last" name.
    """
    customers = User.objects.all()
    if status:
        customers = customers.filter(status=status)
    if role:
        customers = customers.filter(role=role)
    if search:
        term = search.strip()
        if is_account_number(term):
            customers = customers.filter(account_number=term)
        else:
            matches = _email_prefix_or_name(term.lower())
            candidates = _search_candidates(matches)
            customers = customers.filter(pk__in=candidates) if candidates is not None else customers.filter(matches)
    return customers.order_by("-created_at", "-id")


def customer_get(*, account_number: str) -> User | None:
    return User.objects.filter(account_number=account_number).first()


def _email_prefix_or_name(term: str) -> Q:
    return Q(StartsWith(Lower("email"), term)) | Q(search_name__contains=term)


def _search_candidates(matches: Q) -> list[int] | None:
    """
    The ids of every customer the search matches, when there are at most SEARCH_CANDIDATE_LIMIT;
    None when there are more (or off PostgreSQL).

    PostgreSQL cannot estimate how many rows a `LIKE '%fragment%'` matches, whatever its statistics
    (migration accounts/0005 raised their target, to no avail); guessing "many" for a rare name, it
    walks the newest-first index and filters a million rows (~200 ms) instead of reading the few
    matches from the trigram and prefix indexes (~2 ms). So the matches are first
    collected with bitmap index scans only, then the page is ordered from those ids. A broad term
    (more matches than the limit) keeps the walk, which then finds its page quickly.
    """
    if connection.vendor != "postgresql":
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        for planner_setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {planner_setting} = off")
        ids = list(User.objects.filter(matches).values_list("pk", flat=True)[: SEARCH_CANDIDATE_LIMIT + 1])
    return ids if len(ids) <= SEARCH_CANDIDATE_LIMIT else None
