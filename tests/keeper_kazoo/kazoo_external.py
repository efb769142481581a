"""kazoo_external — pytest plugin that runs kazoo's own test suite (shipped
by Debian's python3-kazoo as kazoo.tests) against one external, already
running ZooKeeper-compatible server instead of the Java cluster kazoo's
harness normally starts.

KAZOO_EXTERNAL_SERVER=127.0.0.1:PORT selects the server. The harness's
cluster object is replaced by a one-server stand-in whose start/stop do
nothing (an external server cannot be stopped from here), so tests that stop
cluster members behave the same against every server. KAZOO_TEST_TIMEOUT
(seconds, default 60) bounds each test's setup and call.
"""
import os
import signal

import pytest
from kazoo.testing import harness


class ExternalServer(object):
    def __init__(self, host, port):
        self.host = host
        self.port = port
        self.running = True

    @property
    def address(self):
        return "%s:%d" % (self.host, self.port)

    @property
    def client_port(self):
        return self.port

    def run(self):
        pass

    def stop(self):
        pass

    def reset(self):
        pass

    def destroy(self):
        pass


class ExternalCluster(list):
    def start(self):
        pass

    def stop(self):
        pass

    def terminate(self):
        pass

    def reset(self):
        pass


_cluster = None


def _external_cluster():
    global _cluster
    if _cluster is None:
        host, port = os.environ["KAZOO_EXTERNAL_SERVER"].rsplit(":", 1)
        _cluster = ExternalCluster([ExternalServer(host, int(port))])
    return _cluster


harness.get_global_cluster = _external_cluster

_TIMEOUT = int(os.environ.get("KAZOO_TEST_TIMEOUT", "60"))


def _bounded():
    def on_alarm(signum, frame):
        raise TimeoutError("kazoo_external: test exceeded %d s" % _TIMEOUT)
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(_TIMEOUT)
    return old


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    old = _bounded()
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    old = _bounded()
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
