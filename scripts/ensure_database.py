"""Create the database named in DATABASE_URL when it does not exist yet (idempotent)."""

import os
import sys
import time
from urllib.parse import urlsplit

import psycopg2
from psycopg2 import sql


def main() -> int:
    url = urlsplit(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/") or "quire"
    params = {
        "host": url.hostname or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": url.password,
        "dbname": "postgres",
    }
    for attempt in range(30):
        try:
            conn = psycopg2.connect(**params)
            break
        except psycopg2.OperationalError as exc:
            if attempt == 29:
                print(f"cannot reach PostgreSQL at {params['host']}:{params['port']}: {exc}")
                return 1
            time.sleep(0.5)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", file=sys.stderr)
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
