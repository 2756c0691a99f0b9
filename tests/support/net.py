"""Free local ports for the servers tests and benchmarks start."""

import socket


def free_port(*, udp: bool = False) -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now; with `udp`, one free for both UDP
    and TCP (e.g. for dnsmasq, which listens on both)."""
    if not udp:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp_sock:
            udp_sock.bind(("127.0.0.1", 0))
            port = udp_sock.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return port
