"""localstripe for bench/memberships.py: `python -m bench.memberships_localstripe --port N`.

What tests/support/localstripe_run.py runs (the store in memory only, nothing pickled), plus
one route for seeding: `POST /_config/bench/seed` with `{"plan": id, "rows": [{"email",
"metadata"}, ...]}` makes a customer and an active subscription on that plan per row with
localstripe's own classes, inside this process (no card, charge or invoice), and answers
`{"made": [[customer id, subscription id], ...]}`. Through the API each subscription would
need a customer, a payment method and a paid first invoice: three requests and a dozen
objects, ~10,000 subscriptions in tens of minutes. Reads still go through localstripe's API.
"""

import argparse
import logging
import socket
import time

from aiohttp import web
from localstripe import resources, server


def _nothing(*_args: object) -> None:
    return None


async def seed(request: web.Request) -> web.Response:
    body = await request.json()
    plan = str(body["plan"])
    resources.Plan._api_retrieve(plan)  # a 404 for an unknown plan
    # No events while seeding: nothing listens (no webhook is configured), and each event
    # exports its object, a customer's with a scan of the whole store for its subscriptions.
    event, schedule = resources.Event, resources.schedule_webhook
    resources.Event, resources.schedule_webhook = _no_event, _nothing
    try:
        made = [_one(plan, row) for row in body["rows"]]
    finally:
        resources.Event, resources.schedule_webhook = event, schedule
    return web.json_response({"made": made})


def _no_event(kind: str, data: object) -> None:
    return None


def _one(plan: str, row: dict) -> list[str]:
    customer = resources.Customer(email=str(row["email"]))
    # A trial end skips the first invoice; the subscription is then made active as a paid
    # first invoice would leave it.
    sub = resources.Subscription(
        customer=customer.id,
        items=[{"plan": plan}],
        metadata=dict(row.get("metadata") or {}),
        trial_end=int(time.time()) + 86_400,
    )
    sub.status, sub.trial_end = "active", None
    return [customer.id, sub.id]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    resources.Store.dump_to_disk = _nothing
    resources.Store.try_load_from_disk = _nothing
    server.app.router.add_post("/_config/bench/seed", seed)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    web.run_app(server.app, sock=sock, access_log=None, print=None)


if __name__ == "__main__":
    main()
