import logging
import sys

from config.warmup import warm_up


def test_warm_up_loads_every_urlconf_and_reader_template(caplog):
    """What a fresh gunicorn worker does before its first request (config/wsgi.py): a
    renamed template or a broken URLconf shows up here, not as a slow first reader."""
    with caplog.at_level(logging.WARNING, logger="config.warmup"):
        warm_up()
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    for module in ("config.urls_tenant", "config.urls_public", "config.urls_custom"):
        assert module in sys.modules
