"""
Provides the PostgreSQL backend: django-prometheus' timed backend with a health check that costs no
round trip.

Django's CONN_HEALTH_CHECKS asks `is_usable()` once per request before reusing a persistent
connection, and PostgreSQL's answers with `SELECT 1`: a second round trip on every request, as
expensive here as the query the request came for. A connection that the server closed or
terminated (a restart, `pg_terminate_backend`, an idle timeout) has already said so on its socket
by the time the next request comes: the server's farewell or the end of the stream is waiting to be
read. A healthy idle connection has nothing to read. So the check is a zero-timeout poll of the
socket, and anything unexpected there counts as unusable (the connection is replaced, which is
always safe).
"""

import select

from django_prometheus.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        pgconn = connection.pgconn
        if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status == pq.TransactionStatus.INERROR:
            return False
        poller = select.poll()  # not select.select: it refuses descriptors above 1023
        poller.register(pgconn.socket, select.POLLIN)
        return not poller.poll(0)
