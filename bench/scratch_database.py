"""
The throwaway PostgreSQL databases the benchmarks create, fill and drop, named beside the server's
URL (`postgres://user@host:port`), so that a benchmark never touches the database of a test run.
"""

from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


def database_url(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


def recreate_database(server: str, name: str) -> None:
    drop_database(server, name)
    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
