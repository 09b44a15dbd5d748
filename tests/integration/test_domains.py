# SPDX-License-Identifier: LGPL-2.1-or-later
"""Domains, certificates and the shared edge (issue 7, docs/edge.md), end to end against a
real ACME CA on this machine: Debian's Pebble with pebble-challtestsrv as its DNS
(acme_ca.py), HAProxy as the edge, uacme as the ACME client, busybox vServers behind it.

Nothing leaves the machine. Each test has a loopback /24 of its own, 127.77.N.0/24:

    127.77.N.1    Pebble (ACME, management) and challtestsrv (DNS, management)
    127.77.N.10   the edge: [edge] listen, on free high ports for http_port and https_port;
                  Pebble's httpPort is the edge's http_port and challtestsrv answers every
                  A query with this address, so HTTP-01 validation reaches the edge
    127.77.N.50   the client's source address (curl --interface): what X-Forwarded-For or
                  the PROXY header must carry
    127.77.N.99   where nothing listens: a domain pointed there fails its challenge

and the vServers are in 10.231.M.0/24 (as in test_network.py, blackholed on the host while
the test runs). Clients reach a domain with `curl --cacert <Pebble's root> --resolve
DOMAIN:PORT:127.77.N.10` or with Python's ssl (SNI = the domain, verified against the root).

Teardown, whether the test passed or not: processes the test started are killed, every
vServer is deleted, `wirt edge stop` runs, Pebble is stopped; then no process may be left
whose command line names the root's edge dir, and nothing may listen on 127.77.N.*.
"""
import http.client
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time

import pytest

from acme_ca import Pebble, free_port, missing_binaries, tcp_listeners
from conftest import (assert_one_error_line, error_lines, host_pids, proc_alive, proc_cmdline,
                      show, wait_until)
from test_network import net  # noqa: F401 (a fixture: the vServers' blackholed subnet)

NEEDED = ("pebble", "pebble-challtestsrv", "haproxy", "uacme")


# ---- addresses of one test ------------------------------------------------------------------


def _lo_in_use(n):
    return tcp_listeners({f"127.77.{n}.{h}" for h in range(256)})


class Edge:
    """The test's edge, CA and client addresses; see the module docstring."""

    def __init__(self, w, vnet, n):
        self.w = w
        self.vnet = vnet
        self.n = n
        self.ca_ip = f"127.77.{n}.1"
        self.ip = f"127.77.{n}.10"
        self.client_ip = f"127.77.{n}.50"
        self.nowhere_ip = f"127.77.{n}.99"
        self.http_port = free_port(self.ip)
        self.https_port = free_port(self.ip)
        self.pb = None
        self.root_ca = None  # Pebble's issuing root, from its management API
        self.procs = []  # what the test started (TLS servers): killed at teardown
        self.tmp = tempfile.mkdtemp(prefix="wirt-it-edge-")  # removed at teardown
        os.chmod(self.tmp, 0o755)
        self.dns01_hook = None

    def addresses(self):
        return {f"127.77.{self.n}.{h}" for h in range(256)}

    def write_config(self):
        text = (f"# tests/integration/test_domains.py\n[edge]\n"
                f"listen = {self.ip}\n"
                f"http_port = {self.http_port}\n"
                f"https_port = {self.https_port}\n"
                f"acme_directory = {self.pb.directory_url}\n"
                f"acme_email = hostmaster@wirt-test.org\n"
                f"acme_ca_bundle = {self.pb.https_ca}\n")
        if self.dns01_hook:
            text += f"dns01_hook = {self.dns01_hook}\n"
        self.w.write_host_config(text=text)

    def edge_procs(self):
        """Live processes whose command line names the root's edge dir (haproxy)."""
        mark = os.path.join(self.w.root, "edge")
        me = os.getpid()
        return [p for p in host_pids()
                if p != me and mark in proc_cmdline(p) and proc_alive(p)]


def _kill_group(p):
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    p.wait(timeout=10)


def _edge_fixture(wirt, net, validity):
    if missing_binaries(NEEDED):
        pytest.skip("not installed: " + " ".join(missing_binaries(NEEDED)))
    rng = random.SystemRandom()
    for _ in range(50):
        n = rng.randint(16, 250)
        if not _lo_in_use(n):
            break
    else:
        pytest.fail("no free 127.77.N.0/24 for the test")
    e = Edge(wirt, net, n)
    e.pb = Pebble(e.ca_ip, http_port=e.http_port, default_ipv4=e.ip, validity=validity)
    try:
        e.pb.start()
        e.root_ca = e.pb.root_pem()
        e.write_config()
        yield e
    finally:
        _edge_teardown(e)


def _edge_teardown(e):
    problems = []
    w = e.w
    try:
        for p in e.procs:
            _kill_group(p)
        for name in w.vserver_names():
            cp = subprocess.run(w.argv("delete", "--force", name), capture_output=True, text=True,
                                env=w.env, timeout=60, stdin=subprocess.DEVNULL)
            if cp.returncode != 0:
                problems.append(f"delete --force {name!r} failed" + show(cp))
        cp = subprocess.run(w.argv("edge", "stop"), capture_output=True, text=True, env=w.env,
                            timeout=60, stdin=subprocess.DEVNULL)
        if cp.returncode != 0:
            problems.append("wirt edge stop failed" + show(cp))
        deadline = time.monotonic() + 10
        while e.edge_procs() and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in e.edge_procs():
            problems.append(f"edge process left after `wirt edge stop`: pid {pid} "
                            f"{proc_cmdline(pid)!r}")
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    finally:
        e.pb.cleanup()
        shutil.rmtree(e.tmp, ignore_errors=True)
    deadline = time.monotonic() + 5
    while tcp_listeners(e.addresses()) and time.monotonic() < deadline:
        time.sleep(0.1)
    problems += [f"still listening on the test's address: {l}"
                 for l in tcp_listeners(e.addresses())]
    if problems:
        pytest.fail("edge teardown:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def edge(wirt, net):
    yield from _edge_fixture(wirt, net, None)


@pytest.fixture
def edge_short(wirt, net):
    """Pebble issuing certificates that live 120 s."""
    yield from _edge_fixture(wirt, net, 120)


# ---- vServers -------------------------------------------------------------------------------

CGI = r"""#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
echo "vserver=$(hostname)"
echo "xff=$HTTP_X_FORWARDED_FOR"
echo "proto=$HTTP_X_FORWARDED_PROTO"
echo "remote=$REMOTE_ADDR"
"""


def web_vserver(edge, name, host):
    """A started busybox vServer at 10.231.M.host whose httpd (port 80, /var/www) serves a
    page with a marker of its own and /cgi-bin/env (the request's forwarding headers).
    Returns the marker."""
    w = edge.w
    w.create_started(name, "--ip", edge.vnet.v4(host), "--hostname", name)
    marker = f"page-of-{name}-{random.SystemRandom().randrange(1 << 30)}"
    w.sh(name, f"echo {marker} > /var/www/index.html; mkdir -p /var/www/cgi-bin; "
               f"cat > /var/www/cgi-bin/env; chmod 755 /var/www/cgi-bin/env", input=CGI)
    return marker


def domains(w, name=None):
    cp = w("domain", "list", *([name] if name else []), "--json")
    try:
        return json.loads(cp.stdout)
    except ValueError:
        pytest.fail("domain list --json is not JSON" + show(cp))


def domain_entry(w, domain):
    found = [d for d in domains(w) if d.get("domain") == domain]
    assert len(found) == 1, f"{domain} in domain list --json: {domains(w)}"
    return found[0]


def file_in(w, name, path):
    """A file's text as root inside vServer name (fails the test when it cannot be read)."""
    return w.exec(name, "cat", path).stdout


def first_pem_der(text):
    start = text.index("-----BEGIN CERTIFICATE-----")
    end = text.index("-----END CERTIFICATE-----", start) + len("-----END CERTIFICATE-----")
    return ssl.PEM_cert_to_DER_cert(text[start:end])


# ---- clients --------------------------------------------------------------------------------


class Reply:
    def __init__(self, cp):
        self.cp = cp
        body, _, tail = cp.stdout.rpartition("\n@@")
        self.body = body
        code, _, self.location = tail.partition("@@")
        self.code = int(code) if code.isdigit() else 0

    def __repr__(self):
        return show(self.cp)


def curl(edge, url, *args):
    """curl from the client address with Pebble's root as the only CA and the URL's host
    resolved to the edge on both ports. Body on stdout, then '@@CODE@@REDIRECT_URL'."""
    host = url.split("/")[2].split(":")[0]
    argv = ["curl", "-sS", "-m", "10", "--cacert", edge.root_ca, "--interface", edge.client_ip,
            "--resolve", f"{host}:{edge.http_port}:{edge.ip}",
            "--resolve", f"{host}:{edge.https_port}:{edge.ip}",
            "-w", "\n@@%{http_code}@@%{redirect_url}", *args, url]
    return Reply(subprocess.run(argv, capture_output=True, text=True, timeout=30))


def https_url(edge, domain, path="/"):
    return f"https://{domain}:{edge.https_port}{path}"


def http_url(edge, domain, path="/"):
    return f"http://{domain}:{edge.http_port}{path}"


class Served:
    """One HTTPS request over Python's ssl: what the edge (or the vServer) answered and
    with which certificate."""

    def __init__(self, status, body, cert, der):
        self.status, self.body, self.cert, self.der = status, body, cert, der

    @property
    def serial(self):
        return self.cert["serialNumber"]

    @property
    def sans(self):
        return [v for k, v in self.cert.get("subjectAltName", ()) if k == "DNS"]

    @property
    def issuer(self):
        return " ".join(v for rdn in self.cert["issuer"] for k, v in rdn if k == "commonName")

    @property
    def not_after(self):
        return ssl.cert_time_to_seconds(self.cert["notAfter"])


def tls_get(edge, domain, path="/", timeout=5):
    """GET over TLS to the edge with SNI = domain, verified against Pebble's root (and the
    name checked). Raises OSError (ssl.SSLError included) when that fails."""
    ctx = ssl.create_default_context(cafile=edge.root_ca)
    with socket.create_connection((edge.ip, edge.https_port), timeout=timeout,
                                  source_address=(edge.client_ip, 0)) as raw:
        with ctx.wrap_socket(raw, server_hostname=domain) as s:
            cert, der = s.getpeercert(), s.getpeercert(binary_form=True)
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {domain}:{edge.https_port}\r\n"
                      f"Connection: close\r\n\r\n".encode())
            r = http.client.HTTPResponse(s)
            r.begin()
            body = r.read().decode(errors="replace")
            return Served(r.status, body, cert, der)


def assert_no_tls_for(edge, sni):
    """The edge has nothing for this SNI: the handshake fails (docs/edge.md: "a closed
    connection"), or it completes with a certificate that Pebble did not issue for that
    name (the edge's self-signed default.pem) and the answer is 421, no vServer's page."""
    try:
        tls_get(edge, sni)
    except ssl.SSLCertVerificationError:
        pass  # a certificate, but not one for sni from our CA: see what it answers
    except (ssl.SSLError, ConnectionError, socket.timeout):
        return  # closed
    else:
        pytest.fail(f"the edge serves a valid certificate for {sni}")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((edge.ip, edge.https_port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname=sni) as s:
                s.sendall(f"GET / HTTP/1.1\r\nHost: {sni}\r\nConnection: close\r\n\r\n"
                          .encode())
                r = http.client.HTTPResponse(s)
                r.begin()
                body = r.read()
    except (ssl.SSLError, ConnectionError, socket.timeout, http.client.HTTPException):
        return
    assert r.status == 421, f"TLS for unknown {sni}: HTTP {r.status} {body[:200]!r}"


def assert_serves(edge, domain, marker, path="/"):
    """curl --cacert gets marker from domain over HTTPS, and the certificate is Pebble's for
    that domain (SAN); returns the Served of the same check over Python's ssl."""
    r = curl(edge, https_url(edge, domain, path))
    assert r.cp.returncode == 0 and r.code == 200 and marker in r.body, \
        f"https://{domain}/ does not serve {marker!r}: {r!r}"
    s = tls_get(edge, domain, path)
    assert s.status == 200 and marker in s.body, f"{domain}: {s.status} {s.body!r}"
    covered = domain in s.sans or any(
        n.startswith("*.") and domain.split(".", 1)[1] == n[2:] for n in s.sans)
    assert covered, f"{domain}: certificate SANs {s.sans}"
    assert "Pebble" in s.issuer, f"{domain}: issuer {s.issuer!r}"
    return s


# ---- tests ----------------------------------------------------------------------------------


def test_three_domains_two_vservers_edge(edge):
    """Edge mode: a.test and www.a.test (one `domain add`) to vServer a, b.test to b; each
    reaches its vServer over HTTPS with a certificate of its own (one per domain) for that
    domain; domain list shows them; an unknown Host gets 421 and an unknown SNI neither a
    certificate for it nor a vServer."""
    w = edge.w
    ma = web_vserver(edge, "a", 10)
    mb = web_vserver(edge, "b", 20)
    w("domain", "add", "a", "a.test", "www.a.test")
    w("domain", "add", "b", "b.test")

    sa = assert_serves(edge, "a.test", ma)
    sw = assert_serves(edge, "www.a.test", ma)
    sb = assert_serves(edge, "b.test", mb)
    assert len({sa.serial, sw.serial, sb.serial}) == 3, "not one certificate per domain"
    assert (sa.sans, sw.sans, sb.sans) == (["a.test"], ["www.a.test"], ["b.test"]), \
        (sa.cert, sw.cert, sb.cert)

    listed = domains(w)
    assert [d["domain"] for d in listed] == ["a.test", "b.test", "www.a.test"], listed
    for d in listed:
        served = {"a.test": sa, "b.test": sb, "www.a.test": sw}[d["domain"]]
        assert d["vserver"] == ("b" if d["domain"] == "b.test" else "a"), d
        assert (d["tls"], d["forward"], d["state"]) == ("edge", "xff", "valid"), d
        assert d["last_error"] is None and d["failures"] == 0, d
        assert "Pebble" in d["issuer"], d
        assert abs(d["not_after"] - served.not_after) <= 1, (d, served.cert["notAfter"])
        assert time.time() < d["renew_after"] < d["not_after"], d
    assert [d["domain"] for d in domains(w, "b")] == ["b.test"]
    table = w("domain", "list").stdout
    assert table.splitlines()[0].split()[:4] == ["DOMAIN", "VSERVER", "TLS", "STATE"], table
    assert any(l.split()[:4] == ["www.a.test", "a", "edge", "valid"] for l in table.splitlines()), \
        table

    # plain HTTP to an unknown Host: 421; TLS with an unknown SNI: nothing of ours
    r = curl(edge, http_url(edge, "nobody.test"))
    assert r.code == 421, f"unknown Host: {r!r}"
    assert_no_tls_for(edge, "nobody.test")


def test_three_domains_two_vservers_passthrough(edge):
    """Passthrough: the edge routes the raw TLS stream by SNI to the vServer's port 443,
    where a TLS server of the vServer's own (TLS_SERVER, in the vServer's network
    namespace with guest root's rights) terminates it with the certificates and keys
    read inside the vServer at /etc/wirt/tls/<domain>/ (a's picks a.test's or
    www.a.test's by SNI). Each domain reaches the right vServer's server with the certificate for
    that domain, verified against Pebble's root."""
    w = edge.w
    web_vserver(edge, "a", 10)
    web_vserver(edge, "b", 20)
    w("domain", "add", "a", "a.test", "www.a.test", "--tls", "passthrough")
    w("domain", "add", "b", "b.test", "--tls", "passthrough")
    assert [(d["domain"], d["tls"], d["state"]) for d in domains(w)] == [
        ("a.test", "passthrough", "valid"), ("b.test", "passthrough", "valid"),
        ("www.a.test", "passthrough", "valid")], domains(w)

    def tls_dir(name, domain):
        return {fn: file_in(w, name, f"/etc/wirt/tls/{domain}/{fn}")
                for fn in ("fullchain.pem", "privkey.pem")}
    markers = {"a": start_tls_server(edge, "a", {d: tls_dir("a", d)
                                                 for d in ("a.test", "www.a.test")}),
               "b": start_tls_server(edge, "b", {"b.test": tls_dir("b", "b.test")})}

    for domain, name in (("a.test", "a"), ("b.test", "b"), ("www.a.test", "a")):
        s = assert_serves(edge, domain, markers[name], "/marker.txt")
        assert s.sans == [domain], s.cert
        inside = file_in(w, name, f"/etc/wirt/tls/{domain}/fullchain.pem")
        assert s.der == first_pem_der(inside), \
            f"{domain}: the served certificate is not the one in {name}'s /etc/wirt/tls"
    assert_no_tls_for(edge, "nobody.test")


# A vServer's own TLS server for passthrough: picks the certificate by SNI among the
# domains named on its command line (DIR/<domain>/fullchain.pem, privkey.pem) and answers
# every request with DIR/marker.txt. Run as the host's python3 in the vServer's network
# and user namespaces.
TLS_SERVER = r"""
import http.server, os, ssl, sys
d, names = sys.argv[1], sys.argv[2:]
ctxs = {}
for n in names:
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    c.load_cert_chain(os.path.join(d, n, "fullchain.pem"), os.path.join(d, n, "privkey.pem"))
    ctxs[n] = c
main = ctxs[names[0]]
def pick(sock, sni, _ctx):
    if sni in ctxs:
        sock.context = ctxs[sni]
main.sni_callback = pick
marker = open(os.path.join(d, "marker.txt"), "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(marker)))
        self.end_headers()
        self.wfile.write(marker)
    def log_message(self, *a):
        pass
srv = http.server.ThreadingHTTPServer(("0.0.0.0", 443), H)
srv.socket = main.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
"""


def start_tls_server(edge, name, files):
    """TLS_SERVER on port 443 in vServer name (guest root's rights there) with files =
    {domain: {"fullchain.pem": text, "privkey.pem": text}}; returns its marker."""
    w = edge.w
    d = tempfile.mkdtemp(prefix="tls-server-", dir=edge.tmp)
    os.chmod(d, 0o755)
    marker = f"tls-server-of-{name}-{random.SystemRandom().randrange(1 << 30)}"
    out = {"marker.txt": marker}
    for domain, fs in files.items():
        os.mkdir(os.path.join(d, domain), 0o755)
        for fn, text in fs.items():
            out[os.path.join(domain, fn)] = text
    for fn, text in out.items():
        with open(os.path.join(d, fn), "w") as f:
            f.write(text)
        os.chmod(os.path.join(d, fn), 0o644)
    pid = w.status(name)["pid"]
    log = os.path.join(d, "server.log")
    with open(log, "w") as lf:
        p = subprocess.Popen(["nsenter", "-t", str(pid), "--user", "--net", "--",
                              "/usr/bin/python3", "-c", TLS_SERVER, d, *files],
                             stdin=subprocess.DEVNULL, stdout=lf, stderr=lf,
                             start_new_session=True)
    edge.procs.append(p)
    wait_until(lambda: p.poll() is not None or "ready" in open(log).read(), 10,
               f"the TLS server in {name} to listen")
    assert p.poll() is None, f"the TLS server in {name} exited: {open(log).read()}"
    return marker


def test_client_address_forwarded(edge):
    """--forward xff (default): the vServer's CGI sees X-Forwarded-For = the client's
    address and X-Forwarded-Proto https. --forward proxy: the bytes that reach the
    vServer's port 80 begin with a PROXY v2 header carrying the client's address."""
    w = edge.w
    web_vserver(edge, "a", 10)
    web_vserver(edge, "b", 20)
    w("domain", "add", "a", "a.test")
    r = curl(edge, https_url(edge, "a.test", "/cgi-bin/env"))
    assert r.code == 200, r
    lines = r.body.splitlines()
    assert "vserver=a" in lines and f"xff={edge.client_ip}" in lines and "proto=https" in lines, r
    # adding it again changes its options and keeps its certificate
    serial = tls_get(edge, "a.test").serial
    w("domain", "add", "a", "a.test", "--forward", "proxy")
    assert domain_entry(w, "a.test")["forward"] == "proxy"
    assert tls_get(edge, "a.test", "/").serial == serial

    # b: a raw listener on port 80 instead of httpd, recording what the edge sends
    w.sh("b", "killall httpd; while netstat -ltn | grep -q ':80 '; do sleep 0.1; done")
    w("domain", "add", "b", "b.test", "--forward", "proxy")
    assert domain_entry(w, "b.test")["forward"] == "proxy"
    w.sh("b", "(sleep 60 | nc -l -p 80 >/tmp/got 2>/dev/null) </dev/null >/dev/null 2>&1 &")
    wait_until(lambda: ":80 " in w.sh("b", "netstat -ltn").stdout, 10, "nc to listen in b")
    curl(edge, https_url(edge, "b.test"), "-m", "3")  # nc never answers

    def received():
        got = w.sh("b", "xxd -p /tmp/got | tr -d '\\n'").stdout.strip()
        return got if b"\r\n\r\n" in bytes.fromhex(got)[16:] else None
    got = wait_until(received, 10, "a whole request to reach nc in b")
    data = bytes.fromhex(got)
    sig = bytes.fromhex("0d0a0d0a000d0a515549540a")
    assert data.startswith(sig), f"no PROXY v2 signature: {data[:64]!r}"
    assert data[12] == 0x21 and data[13] == 0x11, f"not PROXY/TCP over IPv4: {data[:32]!r}"
    src = socket.inet_ntoa(data[16:20])
    assert src == edge.client_ip, f"PROXY header's source {src}, client was {edge.client_ip}"
    length = int.from_bytes(data[14:16], "big")
    request = data[16 + length:]
    assert request.startswith(b"GET / HTTP/1.1\r\n") and b"\r\nhost: b.test" in request.lower(), \
        request[:200]


def test_http_redirects_to_https_once_certified(edge):
    """Port 80: a --tls off domain is routed by Host to the vServer (200, no redirect, no
    TLS); a domain with a certificate answers 301 to https with its path, which curl -L
    follows to the vServer."""
    w = edge.w
    ma = web_vserver(edge, "a", 10)
    w("domain", "add", "a", "plain.test", "--tls", "off")
    assert domain_entry(w, "plain.test")["state"] == "off"
    r = curl(edge, http_url(edge, "plain.test"))
    assert r.code == 200 and ma in r.body, r

    w("domain", "add", "a", "a.test")
    r = curl(edge, http_url(edge, "a.test", "/x/y?q=1"))
    assert r.code == 301, f"no redirect once a.test has a certificate: {r!r}"
    assert r.location == https_url(edge, "a.test", "/x/y?q=1"), r
    r = curl(edge, http_url(edge, "a.test"), "-L")
    assert r.code == 200 and ma in r.body, r
    r = curl(edge, http_url(edge, "plain.test"))
    assert r.code == 200 and ma in r.body, f"plain.test after a.test was added: {r!r}"
    assert_no_tls_for(edge, "plain.test")


class ClientLoop(threading.Thread):
    """New TLS connections to domain, one request each, as fast as they go, recording
    every failure and every certificate serial seen."""

    def __init__(self, edge, domain, marker):
        super().__init__(daemon=True)
        self.edge, self.domain, self.marker = edge, domain, marker
        self.stop = threading.Event()
        self.ok = 0
        self.failures = []
        self.serials = []  # in order of first appearance

    def run(self):
        while not self.stop.is_set():
            try:
                s = tls_get(self.edge, self.domain)
                if s.status != 200 or self.marker not in s.body:
                    raise OSError(f"HTTP {s.status} {s.body[:80]!r}")
                if not self.serials or self.serials[-1] != s.serial:
                    self.serials.append(s.serial)
                self.ok += 1
            except (OSError, http.client.HTTPException) as e:
                self.failures.append(f"{time.strftime('%T')} {type(e).__name__}: {e}")


def test_renewal_without_a_failed_request(edge_short):
    """Certificates that live 120 s: renew_after is a third of that before expiry; a plain
    `domain renew` right after issuance renews nothing; `domain renew --force` replaces the
    certificate (new serial served, new files inside the vServer, the reload command run
    there) while a client loop making new connections the whole time sees no failure."""
    edge = edge_short
    w = edge.w
    ma = web_vserver(edge, "a", 10)
    w("domain", "add", "a", "a.test", "--reload-cmd", "echo reloaded >> /tmp/reloads")
    old = domain_entry(w, "a.test")
    first = assert_serves(edge, "a.test", ma)
    life = first.not_after - ssl.cert_time_to_seconds(first.cert["notBefore"])
    assert 100 <= life <= 130, f"Pebble's validity: {first.cert}"
    assert abs(old["renew_after"] - (old["not_after"] - life / 3)) <= 5, (old, life)
    reloads = w.sh("a", "cat /tmp/reloads 2>/dev/null || true").stdout.count("reloaded")

    w("domain", "renew")
    assert tls_get(edge, "a.test").serial == first.serial, "renewed although not due"

    loop = ClientLoop(edge, "a.test", ma)
    loop.start()
    try:
        wait_until(lambda: loop.ok >= 20, 20, "the client loop's first 20 requests")
        w("domain", "renew", "--force")
        wait_until(lambda: len(loop.serials) >= 2, 15, "the client loop to see a new serial")
        ok = loop.ok
        wait_until(lambda: loop.ok >= ok + 20, 20, "20 more requests after the renewal")
    finally:
        loop.stop.set()
        loop.join(30)
    assert not loop.failures, \
        f"{len(loop.failures)} of {loop.ok + len(loop.failures)} requests failed: " \
        f"{loop.failures[:5]}"
    assert loop.serials[0] == first.serial and len(loop.serials) == 2, loop.serials

    now = tls_get(edge, "a.test")
    assert now.serial != first.serial and "a.test" in now.sans, now.cert
    new = domain_entry(w, "a.test")
    assert new["state"] == "valid" and new["not_after"] > old["not_after"], (old, new)
    assert abs(new["not_after"] - now.not_after) <= 1, (new, now.cert)
    inside = file_in(w, "a", "/etc/wirt/tls/a.test/fullchain.pem")
    assert first_pem_der(inside) == now.der, "the vServer's fullchain.pem is not the new one"
    wait_until(lambda: w.sh("a", "cat /tmp/reloads 2>/dev/null || true").stdout
               .count("reloaded") > reloads, 10, "the reload command to run in a")


def test_domain_of_another_vserver_refused(edge):
    """A domain belongs to one vServer: adding it (in any case) to another fails with one
    line naming the owner and adds nothing; deleting it there fails too; once its owner
    deleted it, the other vServer can have it."""
    w = edge.w
    ma = web_vserver(edge, "a", 10)
    mb = web_vserver(edge, "b", 20)
    w("domain", "add", "a", "a.test", "--tls", "off")
    cp = w("domain", "add", "b", "a.test", check=False)
    line = assert_one_error_line(cp, name="b", contains="domain 'a.test' belongs to vServer 'a'")
    cp = w("domain", "add", "b", "A.Test", check=False)
    assert_one_error_line(cp, name="b", contains="belongs to vServer 'a'")
    cp = w("domain", "add", "b", "b.test", "a.test", "--tls", "off", check=False)
    assert_one_error_line(cp, name="b", contains="belongs to vServer 'a'")
    cp = w("domain", "delete", "b", "a.test", check=False)
    assert_one_error_line(cp, name="b")
    assert [(d["domain"], d["vserver"]) for d in domains(w)] == [("a.test", "a")], domains(w)
    r = curl(edge, http_url(edge, "a.test"))
    assert r.code == 200 and ma in r.body, r

    w("domain", "delete", "a", "a.test")
    assert domains(w) == []
    wait_until(lambda: not edge.edge_procs() and not tcp_listeners({edge.ip}), 10,
               "the edge to stop with its last domain")
    w("domain", "add", "b", "a.test", "--tls", "off")
    assert [(d["domain"], d["vserver"]) for d in domains(w)] == [("a.test", "b")]
    r = curl(edge, http_url(edge, "a.test"))
    assert r.code == 200 and mb in r.body, f"a.test after it moved to b: {r!r}"
    # the refusal's exact words, as docs/edge.md gives them
    assert line == "wirt: domain add 'b': domain 'a.test' belongs to vServer 'a'", line


def test_failing_challenge(edge):
    """A domain whose DNS points where nothing listens: `domain add` still exits 0 with one
    warning line, the domain is listed as failed with the CA's own error and served over
    HTTP; the other domains keep serving their certificates. Renewal honours the backoff,
    --force retries, and once DNS is right the domain gets its certificate."""
    w = edge.w
    ma = web_vserver(edge, "a", 10)
    mb = web_vserver(edge, "b", 20)
    w("domain", "add", "a", "a.test")
    w("domain", "add", "b", "b.test")
    before = {d: tls_get(edge, d).serial for d in ("a.test", "b.test")}

    edge.pb.add_a("bad.test", edge.nowhere_ip)
    cp = w("domain", "add", "b", "bad.test")
    lines = error_lines(cp)
    assert len(lines) == 1 and lines[0].startswith("wirt: ") and "bad.test" in lines[0], \
        "expected one warning line" + show(cp)
    bad = domain_entry(w, "bad.test")
    assert bad["state"] == "failed" and bad["failures"] == 1, bad
    assert bad["last_error"] and edge.nowhere_ip in bad["last_error"], \
        f"last_error lacks the CA's detail (dial {edge.nowhere_ip}:...): {bad}"
    assert bad["not_after"] is None and bad["issuer"] is None, bad
    assert any(l.split()[:4] == ["bad.test", "b", "edge", "failed"]
               for l in w("domain", "list").stdout.splitlines())

    r = curl(edge, http_url(edge, "bad.test"))
    assert r.code == 200 and mb in r.body, f"bad.test over HTTP: {r!r}"
    for d, m in (("a.test", ma), ("b.test", mb)):
        s = assert_serves(edge, d, m)
        assert s.serial == before[d], f"{d}'s certificate changed"
        assert domain_entry(w, d)["state"] == "valid"

    w("domain", "renew")  # within the backoff: no new attempt
    assert domain_entry(w, "bad.test")["failures"] == 1, domain_entry(w, "bad.test")
    w("domain", "renew", "--force", "bad.test", check=False)
    again = domain_entry(w, "bad.test")
    assert again["state"] == "failed" and again["failures"] == 2, again

    edge.pb.clear_a("bad.test")  # now it resolves to the edge
    w("domain", "renew", "--force", "bad.test")
    fixed = domain_entry(w, "bad.test")
    assert fixed["state"] == "valid" and fixed["last_error"] is None \
        and fixed["failures"] == 0, fixed
    assert_serves(edge, "bad.test", mb)
    for d, m in (("a.test", ma), ("b.test", mb)):
        assert tls_get(edge, d).serial == before[d], f"{d}'s certificate changed"


def test_keys_only_in_own_vserver(edge):
    """/etc/wirt/tls/<domain>/ in the domain's vServer: fullchain.pem 0644 and privkey.pem
    0640 of the host's root (nobody inside) and the guest root's group, read-only, the key
    matching the served certificate, unreadable to a non-root user there. Another vServer has no such path and its root cannot read the
    host's copy; on the host the key is 0600 in a 0700 directory."""
    w = edge.w
    web_vserver(edge, "a", 10)
    web_vserver(edge, "b", 20)
    w("domain", "add", "a", "a.test")
    w("domain", "add", "b", "b.test")
    served = tls_get(edge, "a.test")

    ls = w.exec("a", "ls", "-ln", "/etc/wirt/tls/a.test").stdout
    modes = {l.split()[-1]: l.split()[:4] for l in ls.splitlines() if l.startswith("-")}
    assert modes.get("privkey.pem", [""])[0] == "-rw-r-----" and \
        modes["privkey.pem"][2:4] == ["65534", "0"], ls
    assert modes.get("fullchain.pem", [""])[0] == "-rw-r--r--", ls
    key = file_in(w, "a", "/etc/wirt/tls/a.test/privkey.pem")
    assert first_pem_der(file_in(w, "a", "/etc/wirt/tls/a.test/fullchain.pem")) == served.der
    pub_key = subprocess.run(["openssl", "pkey", "-pubout"], input=key, capture_output=True,
                             text=True).stdout
    pub_cert = subprocess.run(["openssl", "x509", "-pubkey", "-noout"],
                              input=ssl.DER_cert_to_PEM_cert(served.der), capture_output=True,
                              text=True).stdout
    assert pub_key and pub_key == pub_cert, "privkey.pem does not match the served certificate"
    cp = w.sh("a", "su -s /bin/sh www-data -c 'cat /etc/wirt/tls/a.test/privkey.pem'",
              check=False)
    assert cp.returncode != 0 and "PRIVATE KEY" not in cp.stdout, \
        "a non-root user in a read the key" + show(cp)
    t = "/etc/wirt/tls/a.test"
    cp = w.sh("a", f"echo x > {t}/privkey.pem || rm {t}/privkey.pem || touch {t}/new",
              check=False)
    assert cp.returncode != 0, "root in a could change /etc/wirt/tls" + show(cp)
    assert file_in(w, "a", "/etc/wirt/tls/a.test/privkey.pem") == key

    cp = w.exec("b", "cat", "/etc/wirt/tls/a.test/privkey.pem", check=False)
    assert cp.returncode != 0 and "PRIVATE KEY" not in cp.stdout, \
        "b read a's key" + show(cp)
    found = w.sh("b", "find / -xdev -name privkey.pem 2>/dev/null; ls /etc/wirt/tls").stdout
    assert "a.test" not in found and "b.test" in found, found

    host_dir = os.path.join(w.root, "vservers", "a", "tls", "a.test")
    pid_b = w.status("b")["pid"]
    cp = subprocess.run(["nsenter", "-t", str(pid_b), "--user", "--", "cat",
                         os.path.join(host_dir, "privkey.pem")], capture_output=True, text=True)
    assert cp.returncode != 0 and "PRIVATE KEY" not in cp.stdout, \
        "b's root read a's key on the host" + show(cp)
    st_key = os.stat(os.path.join(host_dir, "privkey.pem"))
    assert st_key.st_mode & 0o777 == 0o600, oct(st_key.st_mode)
    st_dir = os.stat(host_dir)
    assert (st_dir.st_mode & 0o777, st_dir.st_uid) == (0o700, 0), \
        f"{host_dir}: mode {oct(st_dir.st_mode)} uid {st_dir.st_uid} (docs: 0700, root)"


@pytest.mark.parametrize("bad,shown", [
    ("192.0.2.1", None),  # IP literal
    ("a.123", None),  # all-numeric last label
    ("[::1]", None),
    ("*.w.test", None),  # wildcard without dns01_hook
    ("a..test", None),
    ("x.-a.test", None),  # (a leading '-' would be an option)
    ("a-.test", None),
    ("a_b.test", None),
    ("localhost", None),  # one label
    ("x" * 64 + ".test", "xxxxxxxxxx"),
    (".".join(["x" * 63] * 4) + ".test", "xxxxxxxxxx"),  # 260 characters
    ("bücher.test", "cher.test"),  # not an A-label (shown escaped)
    ("xn--9.test", None),  # not Punycode
])
def test_domain_name_refused(edge, bad, shown):
    """Each bad name: one error line naming it, exit 1, nothing added."""
    w = edge.w
    w("create", "a", "--ip", edge.vnet.v4(10))
    cp = w("domain", "add", "a", bad, "--tls", "off", check=False)
    assert_one_error_line(cp, name="a", contains=shown or bad)
    assert domains(w) == []


def test_domain_names_accepted(edge):
    """Upper case is folded, A-labels that decode are taken, a name of 253 characters."""
    w = edge.w
    w("create", "a", "--ip", edge.vnet.v4(10))
    long_name = ".".join(["x" * 63] * 3 + ["y" * 56]) + ".test"
    assert len(long_name) == 253
    w("domain", "add", "a", "Mixed.Example.TEST", "xn--bcher-kva.test", long_name,
      "--tls", "off")
    assert [d["domain"] for d in domains(w)] == sorted(
        ["mixed.example.test", "xn--bcher-kva.test", long_name])


def test_wildcard_with_dns01_hook(edge):
    """With dns01_hook set, *.w.test is taken: the hook publishes the TXT record in
    challtestsrv, the certificate names *.w.test, any name under it reaches the vServer,
    and the vServer sees it at /etc/wirt/tls/_wildcard.w.test/."""
    w = edge.w
    hook = os.path.join(w.config_dir, "dns01-hook")
    with open(hook, "w") as f:
        f.write(f"""#!/bin/sh
# METHOD TYPE IDENT TOKEN AUTH (uacme's hook protocol)
case "$1:$2" in
begin:dns-01) body="{{\\"host\\":\\"_acme-challenge.$3.\\",\\"value\\":\\"$5\\"}}"
    exec curl -sf -X POST -d "$body" {edge.pb.cts_url}/set-txt ;;
done:dns-01|failed:dns-01) body="{{\\"host\\":\\"_acme-challenge.$3.\\"}}"
    exec curl -sf -X POST -d "$body" {edge.pb.cts_url}/clear-txt ;;
*) exit 1 ;;
esac
""")
    os.chmod(hook, 0o755)
    edge.dns01_hook = hook
    edge.write_config()
    ma = web_vserver(edge, "a", 10)
    w("domain", "add", "a", "*.w.test")
    d = domain_entry(w, "*.w.test")
    assert d["state"] == "valid", d
    s = assert_serves(edge, "x.w.test", ma)
    assert s.sans == ["*.w.test"], s.cert
    assert_serves(edge, "other.w.test", ma)
    inside = file_in(w, "a", "/etc/wirt/tls/_wildcard.w.test/fullchain.pem")
    assert first_pem_der(inside) == s.der


def test_delete_vserver_removes_its_domains(edge):
    """Deleting a vServer deletes its domains: gone from domain list, the edge no longer
    routes them (421 over HTTP, no TLS), the other vServer's keep working, and the name is
    free for another vServer."""
    w = edge.w
    web_vserver(edge, "a", 10)
    mb = web_vserver(edge, "b", 20)
    w("domain", "add", "a", "a.test")
    w("domain", "add", "a", "a2.test", "--tls", "off")
    w("domain", "add", "b", "b.test")
    w("delete", "--force", "a")
    assert [d["domain"] for d in domains(w)] == ["b.test"], domains(w)
    r = curl(edge, http_url(edge, "a.test"))
    assert r.code == 421, f"a.test after its vServer was deleted: {r!r}"
    r = curl(edge, http_url(edge, "a2.test"))
    assert r.code == 421, f"a2.test after its vServer was deleted: {r!r}"
    assert_serves(edge, "b.test", mb)
    assert_no_tls_for(edge, "a.test")
    w("domain", "add", "b", "a.test")
    assert_serves(edge, "a.test", mb)


def test_edge_stop_and_status(edge):
    """`wirt edge stop` ends the edge's processes and frees its ports; `edge status --json`
    is JSON either way; `edge reload` brings the routes back."""
    w = edge.w
    ma = web_vserver(edge, "a", 10)
    w("domain", "add", "a", "a.test")
    assert_serves(edge, "a.test", ma)
    assert edge.edge_procs(), "no process names the root's edge dir while it serves"
    json.loads(w("edge", "status", "--json").stdout)
    w("edge", "stop")
    wait_until(lambda: not edge.edge_procs() and not tcp_listeners({edge.ip}), 10,
               "the edge's processes to end and its ports to close")
    json.loads(w("edge", "status", "--json").stdout)
    w("edge", "reload")
    assert_serves(edge, "a.test", ma)
