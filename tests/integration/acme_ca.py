# SPDX-License-Identifier: LGPL-2.1-or-later
"""A private ACME CA on loopback for the domain tests and bench/edge.sh: Debian's Pebble
(2.4.0) with pebble-challtestsrv as its DNS server. Nothing leaves the machine.

    with Pebble("127.77.9.1", http_port=EDGE_HTTP_PORT, default_ipv4=EDGE_IP) as pb:
        pb.directory_url     https://127.77.9.1:PORT/dir, for [edge] acme_directory
        pb.https_ca          CA of Pebble's own HTTPS listeners, for [edge] acme_ca_bundle
        pb.root_pem()        Pebble's issuing root (/roots/0, new at every start): curl --cacert
        pb.add_a(host, ip)   the A record Pebble's validation sees for host

- Pebble's HTTPS certificate is made here with the openssl CLI (Debian ships none).
- Pebble validates HTTP-01 by dialling <A record of the domain>:http_port, so the test puts
  the edge's "port 80" on a high port and passes it as http_port; challtestsrv answers every
  A query with default_ipv4 (the edge's address) unless add_a() says otherwise. An add_a()
  overrides the default for that host until clear_a().
- PEBBLE_VA_NOSLEEP=1 (no random 0..15 s wait before validating), PEBBLE_WFE_NONCEREJECT=0
  (Pebble rejects 5 % of nonces by default), PEBBLE_AUTHZREUSE=0 (every order validates
  afresh: a test that expects a challenge gets one).
- validity: certificateValidityPeriod in seconds (None: Pebble's default, about 5 years).
- stop() kills both process groups and waits for them; cleanup() also removes the dir.

Run as a program it serves until SIGTERM/SIGINT and writes shell assignments of the above
to --env FILE (bench/edge.sh uses it):

    python3 acme_ca.py --ip 127.77.9.1 --http-port 18080 --default-ipv4 127.77.9.10 --env F

Only the Python standard library is used.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request

__all__ = ["Pebble", "PebbleError", "free_port", "missing_binaries", "tcp_listeners"]

BINARIES = ("pebble", "pebble-challtestsrv", "openssl")


class PebbleError(RuntimeError):
    pass


def missing_binaries(names=BINARIES):
    return [b for b in names if not shutil.which(b)]


def free_port(ip):
    """A TCP port nothing is bound to on ip right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def tcp_listeners(ips):
    """Listening TCP sockets on any of ips, as 'ADDR:PORT users:((...))' lines of ss."""
    cp = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, timeout=10)
    found = []
    for line in cp.stdout.splitlines():
        words = line.split()
        if len(words) < 4:
            continue
        addr = words[3].rsplit(":", 1)[0].strip("[]")
        if addr in ips:
            found.append(" ".join(words[3:4] + words[5:]))
    return found


def _run(argv):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise PebbleError("%s failed (%d): %s" % (" ".join(argv), r.returncode, r.stderr.strip()))
    return r


class Pebble:
    def __init__(self, ip, *, http_port, default_ipv4, validity=None, workdir=None,
                 startup_timeout=15.0):
        missing = missing_binaries()
        if missing:
            raise PebbleError("not installed: " + " ".join(missing))
        self.ip = ip
        self.http_port = http_port
        self.default_ipv4 = default_ipv4
        self.validity = validity
        self.startup_timeout = startup_timeout
        self._own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="wirt-pebble-")
        os.makedirs(self.dir, exist_ok=True)
        self.acme_port = free_port(ip)
        self.mgmt_port = free_port(ip)
        self.dns_port = free_port(ip)
        self.cts_port = free_port(ip)
        # TLS-ALPN-01 is not what wirt uses: point it at a port where nothing listens
        self.tls_port = free_port(ip)
        self.env = {"PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0",
                    "PEBBLE_AUTHZREUSE": "0"}
        self._procs = []
        self._logs = []

    # ---- addresses and files ---------------------------------------------------------

    @property
    def directory_url(self):
        return "https://%s:%d/dir" % (self.ip, self.acme_port)

    @property
    def mgmt_url(self):
        return "https://%s:%d" % (self.ip, self.mgmt_port)

    @property
    def cts_url(self):
        return "http://%s:%d" % (self.ip, self.cts_port)

    @property
    def https_ca(self):
        """The CA that signed Pebble's ACME and management listeners' certificate."""
        return os.path.join(self.dir, "https-ca.pem")

    @property
    def pids(self):
        return [p.pid for p in self._procs]

    def log_text(self, tail=4000):
        out = []
        for path in self._logs:
            try:
                with open(path, errors="replace") as f:
                    text = f.read()
            except OSError:
                continue
            out.append("==> %s <==\n%s" % (os.path.basename(path), text[-tail:]))
        return "\n".join(out)

    # ---- life ------------------------------------------------------------------------

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()
        return False

    def start(self):
        try:
            self._make_https_cert()
            self._start_challtestsrv()
            self._start_pebble()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        for p in reversed(self._procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in reversed(self._procs):
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        self._procs = []

    def cleanup(self):
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _make_https_cert(self):
        d = self.dir
        ca_key, key = os.path.join(d, "https-ca.key"), os.path.join(d, "https-key.pem")
        csr, ext = os.path.join(d, "https.csr"), os.path.join(d, "https.ext")
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        _run(["openssl", "req", "-x509", *ec, "-days", "2",
              "-subj", "/CN=wirt test pebble https CA", "-keyout", ca_key, "-out", self.https_ca])
        _run(["openssl", "req", *ec, "-subj", "/CN=localhost", "-keyout", key, "-out", csr])
        with open(ext, "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1,IP:%s\n"
                    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
                    "extendedKeyUsage=serverAuth\n" % self.ip)
        _run(["openssl", "x509", "-req", "-in", csr, "-CA", self.https_ca, "-CAkey", ca_key,
              "-CAcreateserial", "-days", "2", "-extfile", ext,
              "-out", os.path.join(d, "https-cert.pem")])

    def _spawn(self, name, argv, env=None):
        log = os.path.join(self.dir, name + ".log")
        self._logs.append(log)
        with open(log, "ab") as lf:
            p = subprocess.Popen(argv, stdout=lf, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True,
                                 env=dict(os.environ, **(env or {})))
        self._procs.append(p)
        return p

    def _wait(self, proc, what, ready):
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                if ready():
                    return
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise PebbleError("%s did not start:\n%s" % (what, self.log_text()))
            time.sleep(0.05)

    def _start_challtestsrv(self):
        # DNS and the management API only: its own challenge responders would take ports
        p = self._spawn("challtestsrv", [
            "pebble-challtestsrv", "-management", "%s:%d" % (self.ip, self.cts_port),
            "-dns01", "%s:%d" % (self.ip, self.dns_port),
            "-http01", "", "-https01", "", "-tlsalpn01", "",
            "-defaultIPv4", self.default_ipv4, "-defaultIPv6", ""])

        def ready():
            with socket.create_connection((self.ip, self.cts_port), 0.5):
                return True
        self._wait(p, "pebble-challtestsrv", ready)

    def _start_pebble(self):
        cfg = {"pebble": {
            "listenAddress": "%s:%d" % (self.ip, self.acme_port),
            "managementListenAddress": "%s:%d" % (self.ip, self.mgmt_port),
            "certificate": os.path.join(self.dir, "https-cert.pem"),
            "privateKey": os.path.join(self.dir, "https-key.pem"),
            "httpPort": self.http_port,
            "tlsPort": self.tls_port,
            "ocspResponderURL": "",
            "externalAccountBindingRequired": False}}
        if self.validity:
            cfg["pebble"]["certificateValidityPeriod"] = int(self.validity)
        path = os.path.join(self.dir, "pebble-config.json")
        with open(path, "w") as f:
            json.dump(cfg, f, indent=2)
        p = self._spawn("pebble", ["pebble", "-config", path, "-dnsserver",
                                   "%s:%d" % (self.ip, self.dns_port)], env=self.env)
        self._wait(p, "pebble", lambda: "newOrder" in json.loads(self._get(self.directory_url)))

    # ---- HTTP ------------------------------------------------------------------------

    def _get(self, url):
        ctx = ssl.create_default_context(cafile=self.https_ca)
        with urllib.request.urlopen(url, context=ctx, timeout=5) as r:
            return r.read().decode()

    def _cts(self, path, obj):
        req = urllib.request.Request(self.cts_url + path, data=json.dumps(obj).encode(),
                                     method="POST")
        with urllib.request.urlopen(req, timeout=5) as r:
            if r.status != 200:
                raise PebbleError("challtestsrv %s: HTTP %d" % (path, r.status))

    def root_pem(self, n=0):
        """Pebble's issuing root n, fetched from the management API into a file."""
        path = os.path.join(self.dir, "root-%d.pem" % n)
        with open(path, "w") as f:
            f.write(self._get("%s/roots/%d" % (self.mgmt_url, n)))
        return path

    def add_a(self, host, *ips):
        self._cts("/add-a", {"host": host, "addresses": list(ips)})

    def clear_a(self, host):
        self._cts("/clear-a", {"host": host})


def _main():
    ap = argparse.ArgumentParser(description="Pebble + challtestsrv on loopback until SIGTERM")
    ap.add_argument("--ip", required=True)
    ap.add_argument("--http-port", type=int, required=True)
    ap.add_argument("--default-ipv4", required=True)
    ap.add_argument("--validity", type=int)
    ap.add_argument("--env", required=True, help="file to write shell assignments to")
    a = ap.parse_args()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    pb = Pebble(a.ip, http_port=a.http_port, default_ipv4=a.default_ipv4, validity=a.validity)
    try:
        pb.start()
        tmp = a.env + ".tmp"
        with open(tmp, "w") as f:
            f.write("PEBBLE_DIRECTORY=%s\nPEBBLE_HTTPS_CA=%s\nPEBBLE_ROOT=%s\n"
                    "PEBBLE_CTS=%s\nPEBBLE_PIDS='%s'\n"
                    % (pb.directory_url, pb.https_ca, pb.root_pem(), pb.cts_url,
                       " ".join(map(str, pb.pids))))
        os.rename(tmp, a.env)
        while not stop and all(p.poll() is None for p in pb._procs):
            time.sleep(0.2)
    finally:
        pb.cleanup()


if __name__ == "__main__":
    _main()
