# SPDX-License-Identifier: LGPL-2.1-or-later
"""
The shared edge (docs/edge.md) without a CA: domains with `--tls off` routed by Host on
the edge's HTTP port to the right vServer, the client's address passed on, unknown
names refused; a configuration HAProxy refuses never replaces the working one; reloads
(every domain change is one) drop no request, also one that is open across them; the
edge lets its ports go with its last domain and a vServer's delete takes its domains.
test_domains.py covers certificates against a real ACME CA.

The edge listens on a loopback address of the test's own; the vServers' subnet is
test_network.py's, blackholed on the host while the test runs, so nothing the edge
forwards can leave the machine.
"""
import json
import os
import random
import shutil
import socket
import threading
import time

import pytest

from conftest import assert_one_error_line, wait_until
from test_network import net  # noqa: F401 (a fixture: the vServers' blackholed subnet)

pytestmark = pytest.mark.skipif(not shutil.which("haproxy", path="/usr/sbin:/usr/bin"),
                                reason="the edge needs HAProxy (apt-get install haproxy)")


def free_port(ip):
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


@pytest.fixture
def edge(wirt, net):
    """Host config: the test's own (blackholed) pool and an edge on a loopback address."""
    rng = random.SystemRandom()
    ip = f"127.0.{rng.randint(80, 250)}.{rng.randint(2, 250)}"
    port = free_port(ip)
    wirt.write_host_config(text=f"[network]\npool = {net.pool}\n[edge]\nlisten = {ip}\n"
                                f"http_port = {port}\nhttps_port = {free_port(ip)}\n")
    try:
        yield ip, port, net
    finally:
        wirt("edge", "stop", check=False)


def get(ip, port, host, path="/", timeout=5):
    """(status, body) of an HTTP/1.0 GET with that Host header."""
    with socket.create_connection((ip, port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode(errors="replace")


def web(wirt, name):
    """A running vServer whose httpd answers its name and, as CGI, the client address
    the edge passed on."""
    wirt("create", name)
    wirt("start", name)
    wirt.sh(name, f"echo {name} > /var/www/index.html; mkdir -p /var/www/cgi-bin; "
                  "printf '#!/bin/sh\\necho\\necho \"xff=$HTTP_X_FORWARDED_FOR\"\\n' "
                  "> /var/www/cgi-bin/who; chmod 755 /var/www/cgi-bin/who")


def edge_pid(wirt):
    st = json.loads(wirt("edge", "status", "--json").stdout)
    return st["pid"] if st["running"] else None


def test_routes_by_host_and_passes_the_client(wirt, edge):
    ip, port, _ = edge
    web(wirt, "a")
    web(wirt, "b")
    wirt("domain", "add", "a", "a.test", "www.a.test", "--tls", "off")
    wirt("domain", "add", "b", "B.Test", "--tls", "off")
    assert get(ip, port, "a.test") == (200, "a\n")
    assert get(ip, port, "www.a.test:80") == (200, "a\n")
    assert get(ip, port, "b.test") == (200, "b\n")
    assert get(ip, port, "nobody.test")[0] == 421
    status, body = get(ip, port, "b.test", "/cgi-bin/who")
    assert status == 200 and body.strip() == "xff=127.0.0.1", body
    listed = json.loads(wirt("domain", "list", "--json").stdout)
    assert [(d["domain"], d["vserver"], d["tls"], d["state"]) for d in listed] == [
        ("a.test", "a", "off", "off"), ("b.test", "b", "off", "off"),
        ("www.a.test", "a", "off", "off")]
    # one vServer's domain is not another's
    r = wirt("domain", "add", "b", "a.test", "--tls", "off", check=False)
    assert_one_error_line(r, contains="belongs to vServer 'a'")
    r = wirt("domain", "delete", "b", "a.test", check=False)
    assert_one_error_line(r, contains="belongs to vServer 'a'")
    assert get(ip, port, "a.test") == (200, "a\n")


def test_refused_configuration_leaves_the_working_one(wirt, edge):
    ip, port, _ = edge
    web(wirt, "a")
    wirt("domain", "add", "a", "a.test", "--tls", "off")
    current = os.readlink(os.path.join(wirt.root, "edge", "current"))
    pid = edge_pid(wirt)
    # the edge's default certificate made unreadable to HAProxy: a generation that
    # `haproxy -c` refuses
    pem = os.path.join(wirt.root, "edge", "default.pem")
    with open(pem, "w") as f:
        f.write("not a certificate\n")
    r = wirt("edge", "reload", check=False)
    assert_one_error_line(r, contains="is refused")
    r = wirt("domain", "add", "a", "c.test", "--tls", "off", check=False)
    assert_one_error_line(r, contains="is refused")
    assert os.readlink(os.path.join(wirt.root, "edge", "current")) == current
    assert edge_pid(wirt) == pid
    assert get(ip, port, "a.test") == (200, "a\n")
    # the refused add left nothing: c.test is not a domain
    assert [d["domain"] for d in json.loads(wirt("domain", "list", "--json").stdout)] == \
        ["a.test"]
    os.unlink(pem)  # made anew by the next generation
    wirt("domain", "add", "a", "c.test", "--tls", "off")
    assert get(ip, port, "c.test") == (200, "a\n")


def test_reloads_drop_no_request(wirt, edge):
    ip, port, _ = edge
    web(wirt, "a")
    wirt("domain", "add", "a", "a.test", "--tls", "off")
    failures, done, stop = [], [0], threading.Event()

    def client():
        while not stop.is_set():
            try:
                status, body = get(ip, port, "a.test")
                if (status, body) != (200, "a\n"):
                    failures.append((status, body))
            except OSError as e:
                failures.append(repr(e))
            done[0] += 1

    # a request open across reloads: headers sent, the end of them after two reloads
    # (within the edge's 10 s for a request to arrive whole)
    slow = socket.create_connection((ip, port), timeout=30)
    slow.sendall(b"GET / HTTP/1.0\r\nHost: a.test\r\n")
    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(8):
            wirt("domain", "add", "a", f"n{i}.test", "--tls", "off")
            wirt("edge", "reload")
            if i == 1:
                slow.sendall(b"\r\n")
    finally:
        stop.set()
        for t in threads:
            t.join()
    data = b""
    while chunk := slow.recv(65536):
        data += chunk
    slow.close()
    assert done[0] > 50, f"only {done[0]} requests ran during the reloads"
    assert failures == [], f"{len(failures)} of {done[0]} failed: {failures[:5]}"
    assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"\r\n\r\na\n"), data[:200]


def test_last_domain_lets_the_ports_go_and_delete_takes_domains(wirt, edge):
    ip, port, _ = edge
    web(wirt, "a")
    web(wirt, "b")
    wirt("domain", "add", "a", "a.test", "--tls", "off")
    wirt("domain", "add", "b", "b.test", "--tls", "off")
    pid = edge_pid(wirt)
    assert pid
    wirt("delete", "--force", "b")
    assert [d["domain"] for d in json.loads(wirt("domain", "list", "--json").stdout)] == \
        ["a.test"]
    assert get(ip, port, "b.test")[0] == 421
    wirt("domain", "delete", "a", "a.test")
    assert edge_pid(wirt) is None
    wait_until(lambda: not os.path.exists(f"/proc/{pid}") or
               open(f"/proc/{pid}/stat").read().split(")")[1].split()[0] == "Z",
               10, "HAProxy's exit")
    with pytest.raises(OSError):
        get(ip, port, "a.test", timeout=2)


def test_edge_follows_a_new_address(wirt, edge):
    ip, port, net = edge
    web(wirt, "a")
    wirt("domain", "add", "a", "a.test", "--tls", "off")
    assert get(ip, port, "a.test") == (200, "a\n")
    # the old address goes (blackholed now): only a reloaded edge still reaches it
    wirt("set", "a", f"ip={net.v4(77)}")
    assert get(ip, port, "a.test") == (200, "a\n")
    cfg = open(os.path.join(wirt.root, "edge", "current", "haproxy.cfg")).read()
    assert f"{net.v4(77)}:80" in cfg, cfg


@pytest.mark.parametrize("name, contains", [
    ("192.0.2.7", "an address, not a name"),
    ("*.wild.test", "a wildcard needs DNS-01"),
    ("bad_label.test", "is not a letter"),
    ("b\u00fccher.test", "not ASCII"),
    ("single", "two labels"),
])
def test_bad_names_refused(wirt, edge, name, contains):
    web(wirt, "a")
    r = wirt("domain", "add", "a", name, check=False)
    assert_one_error_line(r, contains=contains)
    assert json.loads(wirt("domain", "list", "--json").stdout) == []
    assert edge_pid(wirt) is None
