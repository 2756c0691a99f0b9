"""Runs localstripe (a local Stripe API server) on 127.0.0.1 with its store in memory only:
`python -m tests.support.localstripe_run --port N`.

localstripe pickles its whole store to one fixed file, /tmp/localstripe.pickle, after every
write and loads it back at start. That grows slower with every object, and the file is
shared by every localstripe on the machine, so parallel test processes (pytest-xdist
workers) would read and overwrite each other's objects. Here both `Store.dump_to_disk` and
`Store.try_load_from_disk` do nothing: each process starts empty and keeps its objects to
itself until it exits.
"""

import argparse
import logging
import socket

from aiohttp import web
from localstripe import resources, server


def _nothing(self) -> None:
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    resources.Store.dump_to_disk = _nothing
    resources.Store.try_load_from_disk = _nothing
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    web.run_app(server.app, sock=sock, access_log=None, print=None)


if __name__ == "__main__":
    main()
