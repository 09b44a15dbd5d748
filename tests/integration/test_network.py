# SPDX-License-Identifier: LGPL-2.1-or-later
"""Networking (issue 4): addresses, routed and bridged mode, packet separation between
vServers, the customer's own routes and firewall, port forwards, the address pool, and
that nothing of a vServer's network is left behind.

Every address is in 10.231.N.0/24 and fd00:231:N::/64, with N picked per test so that
parallel runs do not meet. While a test runs, the host has blackhole routes for both
prefixes: wirt's /32 and /128 host routes are more specific and win, and anything else
(a reply to a spoofed source, a probe of a removed address) is dropped on the host
instead of leaving through the default route. Nothing leaves the machine: the only
"outside" address a test talks to is the host's own (local delivery), and uplinks are
bridges without ports that the test creates.

What runs "as the customer" inside a vServer runs either through `wirt exec` (busybox
ip, ping, wget, httpd) or, for what busybox lacks (nft, a packet socket), as the host's
binary under `nsenter --user --net` into the guest's init: that process has guest-root
rights only (full capabilities in the guest's user namespace, none on the host).
"""
import ipaddress
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import (assert_one_error_line, host_cmd, host_links, nft_tables, proc_alive,
                      proxy_neigh_lines, route_lines, show, wait_until)

PYTHON = "/usr/bin/python3"


# ---- addresses of one test --------------------------------------------------------------


class Net:
    """The test's own 10.231.N.0/24 and fd00:231:N::/64."""

    def __init__(self, n):
        self.n = n
        self.pool = f"10.231.{n}.0/24"
        self.pool6 = f"fd00:231:{n:x}::/64"

    def v4(self, host):
        return f"10.231.{self.n}.{host}"

    def v6(self, host):
        return f"fd00:231:{self.n:x}::{host:x}"


def _subnet_in_use(n):
    probe = (f"10.231.{n}.", f"fd00:231:{n:x}:")
    out = host_cmd("ip", "route", "show", "table", "all").stdout + \
        host_cmd("ip", "-6", "route", "show", "table", "all").stdout + \
        host_cmd("ip", "addr").stdout
    return any(p in out for p in probe)


@pytest.fixture
def net(wirt):
    """A subnet no other test on the host uses right now, blackholed on the host for
    the test's duration (see the module docstring)."""
    rng = random.SystemRandom()
    for _ in range(50):
        n = rng.randint(16, 239)
        if not _subnet_in_use(n):
            break
    else:
        pytest.fail("no free 10.231.N.0/24 for the test")
    nt = Net(n)
    guards = [("-4", nt.pool), ("-6", nt.pool6)]
    for fam, prefix in guards:
        cp = host_cmd("ip", fam, "route", "add", "blackhole", prefix)
        assert cp.returncode == 0, f"blackhole route {prefix}" + show(cp)
    try:
        yield nt
    finally:
        for fam, prefix in guards:
            host_cmd("ip", fam, "route", "delete", "blackhole", prefix)


@pytest.fixture
def test_links():
    """Links (bridges, veths) the test creates on the host; deleted at teardown."""
    made = []
    try:
        yield made
    finally:
        for name in made:
            if name in host_links():
                host_cmd("ip", "link", "delete", name)


def link_name(prefix):
    return f"{prefix}{random.SystemRandom().randrange(16 ** 4):04x}"


def make_bridge(test_links, prefix="wtu"):
    """A bridge without ports: an uplink that goes nowhere."""
    name = link_name(prefix)
    test_links.append(name)
    cp = host_cmd("ip", "link", "add", name, "type", "bridge")
    assert cp.returncode == 0, show(cp)
    cp = host_cmd("ip", "link", "set", name, "up")
    assert cp.returncode == 0, show(cp)
    return name


def host_addr(version):
    """The host's own global address of that family (eth0's here): traffic to it from
    the host or a vServer is delivered locally."""
    fam = "-4" if version == 4 else "-6"
    for line in host_cmd("ip", "-o", fam, "addr", "show", "scope", "global").stdout.splitlines():
        words = line.split()
        if "inet" in words or "inet6" in words:
            i = words.index("inet" if version == 4 else "inet6")
            addr = words[i + 1].split("/")[0]
            if not addr.startswith(("10.231.", "fd00:231:")) and "tentative" not in words:
                return addr
    pytest.skip(f"the host has no global IPv{version} address to connect to")


# ---- what wirt says about a vServer --------------------------------------------------------


def iface_of(w, name):
    """The host side of the vServer's veth, from `wirt status NAME` (the line
    'interface: IFNAME ...')."""
    cp = w("status", name)
    m = re.search(r"^interface:\s+(\S+)", cp.stdout, re.M)
    assert m, "`wirt status` has no 'interface:' line" + show(cp)
    w.ifaces.add(m.group(1))
    return m.group(1)


def config_network(w, name):
    """The [network] section of the vServer's config: {key: [values]}."""
    path = os.path.join(w.root, "vservers", name, "config")
    keys, section = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
            elif section == "[network]" and "=" in line:
                k, v = (x.strip() for x in line.split("=", 1))
                keys.setdefault(k, []).extend(v.replace(",", " ").split())
    return keys


def config_addrs(w, name):
    """The vServer's addresses from its config, without prefix lengths."""
    return [a.split("/")[0] for a in config_network(w, name).get("ip", [])]


def nft_table_text(w, family="inet"):
    """`nft list table FAMILY wirt_<hash>` of the test's root, or None if it is absent."""
    cp = host_cmd("nft", "list", "table", family, w.nft_table)
    return cp.stdout if cp.returncode == 0 else None


def nft_mentions(w, name):
    """Lines of the root's tables that carry vServer 'name' as comment."""
    lines = []
    for fam in ("inet", "bridge"):
        text = nft_table_text(w, fam) or ""
        lines += [l.strip() for l in text.splitlines() if f'comment "{name}"' in l]
    return lines


def net_left(w, name, iface, addrs):
    """What of vServer 'name''s network is on the host: its link, routes to its
    addresses, proxy neighbour entries, nft elements. Empty when clean."""
    found = []
    if iface in host_links():
        found.append(f"link {iface}")
    for a in addrs:
        found += [f"route: {l}" for l in route_lines(a)]
        found += [f"proxy neighbour: {l}" for l in proxy_neigh_lines(a)]
    found += [f"nft element: {l}" for l in nft_mentions(w, name)]
    return found


# ---- talking to vServers -------------------------------------------------------------------


def http_get(addr, port=80, timeout=3.0):
    """The body of GET / on addr:port from the host; raises OSError."""
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect((addr, port))
        s.sendall(b"GET / HTTP/1.0\r\nHost: wirt-test\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return data.partition(b"\r\n\r\n")[2].decode(errors="replace")


def try_http(addr, port=80, timeout=3.0):
    try:
        return http_get(addr, port, timeout)
    except OSError as e:
        return e


def host_reaches(addr, marker, port=80, timeout=10):
    """Waits until the host gets 'marker' from http://addr:port/."""
    def attempt():
        r = try_http(addr, port, timeout=2)
        return isinstance(r, str) and marker in r
    wait_until(attempt, timeout, f"the host to reach {marker!r} on [{addr}]:{port}",
               interval=0.3)


def host_cannot_reach(addr, port=80, what=""):
    r = try_http(addr, port, timeout=2)
    assert isinstance(r, OSError), \
        f"the host reached [{addr}]:{port} {what}; got {r!r}"


def url(addr, port=80):
    return f"http://[{addr}]:{port}/" if ":" in addr else f"http://{addr}:{port}/"


def guest_get(w, name, addr, port=80):
    """wget inside 'name' to addr:port; the CompletedProcess. (No wget -T: busybox
    1.35's wget crashes with it.)"""
    return w.sh(name, f"timeout 5 wget -q -O- {url(addr, port)} 2>&1", check=False,
                timeout=20)


def guest_reaches(w, name, addr, marker, timeout=10):
    def attempt():
        cp = guest_get(w, name, addr)
        return cp.returncode == 0 and marker in cp.stdout
    wait_until(attempt, timeout, f"'{name}' to reach {marker!r} on {addr}", interval=0.3)


def guest_cannot_reach(w, name, addr, what=""):
    cp = guest_get(w, name, addr)
    assert cp.returncode != 0, f"'{name}' reached {addr} {what}" + show(cp)


def serve(w, name, port=80):
    """Puts a page naming the vServer into its httpd's /var/www (the busybox template
    serves it on port 80 from boot); starts another httpd for another port. Returns the
    page's marker."""
    marker = f"page-of-{name}-{random.SystemRandom().randrange(1 << 30)}"
    w.sh(name, f"echo {marker} > /var/www/index.html")
    if port != 80:
        w.sh(name, f"httpd -p {port} -h /var/www")
    return marker


def started(w, name, *args):
    """create + start; returns (status --json, page marker)."""
    st = w.create_started(name, *args)
    return st, serve(w, name)


def wait_no_tentative(w, name):
    """IPv6 addresses a test adds inside run duplicate address detection first (busybox
    ip has no 'nodad'); a tentative address cannot be a source yet."""
    wait_until(lambda: "tentative" not in w.sh(name, "ip -6 addr show dev eth0").stdout, 10,
               f"IPv6 addresses in '{name}' to leave the tentative state")


def nsenter_argv(w, name):
    """Runs a host binary in the vServer's user and network namespaces: guest root's
    rights, in the guest's network stack (the mount namespace stays the host's, so the
    host's nft and python3 are found)."""
    pid = w.status(name)["pid"]
    assert pid, f"'{name}' has no init pid"
    return ["nsenter", "-t", str(pid), "--user", "--net", "--"]


def as_guest(w, name, *cmd, input=None, timeout=30):
    cp = subprocess.run([*nsenter_argv(w, name), *cmd], input=input, capture_output=True,
                        encoding="utf-8", errors="replace", timeout=timeout,
                        stdin=None if input is not None else subprocess.DEVNULL)
    return cp


# A packet sniffer for a vServer's network namespace: one line per IPv4/IPv6 packet seen
# on any of its interfaces (in and out): "IFACE DIRECTION SRC DST PROTO". First line
# "uid_map ..." shows whose rights it has, then "ready".
SNIFFER = r"""
import socket, struct, sys, time
print("uid_map", open("/proc/self/uid_map").read().split(), flush=True)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.settimeout(0.2)
end = time.monotonic() + float(sys.argv[1])
print("ready", flush=True)
while time.monotonic() < end:
    try:
        frame, addr = s.recvfrom(65535)
    except socket.timeout:
        continue
    iface, etype, pkttype = addr[0], addr[1], addr[2]
    p = frame[14:]  # veth and lo both carry an Ethernet header
    if etype == 0x0800 and len(p) >= 20:
        print(iface, pkttype, socket.inet_ntop(socket.AF_INET, p[12:16]),
              socket.inet_ntop(socket.AF_INET, p[16:20]), p[9], flush=True)
    elif etype == 0x86DD and len(p) >= 40:
        print(iface, pkttype, socket.inet_ntop(socket.AF_INET6, p[8:24]),
              socket.inet_ntop(socket.AF_INET6, p[24:40]), p[6], flush=True)
print("done", flush=True)
"""


class Sniffer:
    """SNIFFER inside vServer 'name' for 'seconds'; .packets() after it ended, as
    (iface, pkttype, src, dst, proto) tuples."""

    def __init__(self, w, name, seconds):
        self.proc = subprocess.Popen([*nsenter_argv(w, name), PYTHON, "-c", SNIFFER,
                                      str(seconds)], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, encoding="utf-8",
                                     errors="replace", stdin=subprocess.DEVNULL)
        self.lines, self.err, self.finished = [], "", False
        first = self.proc.stdout.readline()
        if "uid_map" not in first:
            self.stop()
            pytest.fail(f"the sniffer did not start: {first!r} {self.err!r}")
        # guest root: uid 0 inside maps to the vServer's id range, not to host root
        assert "'0', '0'" not in first, f"the sniffer runs with host root's ids: {first}"
        ready = self.proc.stdout.readline()
        if ready.strip() != "ready":
            self.stop()
            pytest.fail(f"sniffer: {ready!r} {self.err!r}")

    def finish(self, timeout=30):
        if self.finished:
            return
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        self.finished = True
        self.lines += out.splitlines()
        self.err = err

    def stop(self):
        if not self.finished and self.proc.poll() is None:
            self.proc.kill()
        self.finish()

    def packets(self):
        self.finish()
        assert "done" in [l.strip() for l in self.lines], \
            f"the sniffer did not finish: {self.lines[-5:]} {self.err!r}"
        pkts = []
        for l in self.lines:
            words = l.split()
            if len(words) == 5 and words[1].isdigit() and words[4].isdigit():
                pkts.append((words[0], int(words[1]), words[2], words[3], int(words[4])))
        return pkts


class IcmpListener:
    """The host's own ICMP echo requests (v4 and v6) as delivered to it, i.e. after
    every netfilter hook: {source address: count}."""

    def __init__(self):
        self.seen = {}
        self.stopping = threading.Event()
        self.socks = [socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
                      socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)]
        self.threads = [threading.Thread(target=self.run, args=(s,), daemon=True)
                        for s in self.socks]
        for t in self.threads:
            t.start()

    def run(self, s):
        s.settimeout(0.2)
        while not self.stopping.is_set():
            try:
                data, addr = s.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            if s.family == socket.AF_INET:
                ihl = (data[0] & 0x0F) * 4
                if len(data) > ihl and data[ihl] == 8:
                    self.note(addr[0])
            elif data and data[0] == 128:
                self.note(addr[0].split("%")[0])

    def note(self, src):
        src = str(ipaddress.ip_address(src))
        self.seen[src] = self.seen.get(src, 0) + 1

    def count(self, src):
        return self.seen.get(str(ipaddress.ip_address(src)), 0)

    def close(self):
        self.stopping.set()
        for t in self.threads:
            t.join(2)
        for s in self.socks:
            s.close()


def ping_from(w, name, src, dst, count=3):
    """ping inside 'name' from source address 'src'; (packets sent, CompletedProcess)."""
    cp = w.sh(name, f"ping -c {count} -i 0.2 -W 2 -I {src} {dst} 2>&1", check=False,
              timeout=30)
    m = re.search(r"(\d+) packets transmitted", cp.stdout)
    return (int(m.group(1)) if m else 0), cp


# ---- 1: the host reaches a vServer's addresses ----------------------------------------------


def test_host_reaches_each_address(wirt, net):
    """A routed vServer with one IPv4 and one IPv6 address: the host reaches its web
    server on each of them; the host routes them as /32 and /128 to the interface
    `wirt status` names, whose name carries the root's prefix; the root's nft table
    holds the vServer's elements, commented with its name."""
    a4, a6 = net.v4(10), net.v6(0x10)
    _, page = started(wirt, "a", "--ip", a4, "--ip", a6)
    iface = iface_of(wirt, "a")
    assert iface.startswith(wirt.iface_prefix), \
        f"interface {iface!r} lacks the root's prefix {wirt.iface_prefix!r}"
    for a in (a4, a6):
        host_reaches(a, page)
        routes = route_lines(a)
        assert any(f"dev {iface}" in r for r in routes), \
            f"no host route of {a} to {iface}: {routes}"
    assert nft_mentions(wirt, "a"), \
        f"no element commented 'a' in inet/bridge {wirt.nft_table}:\n{nft_table_text(wirt)}"
    assert ("inet", wirt.nft_table) in (nft_tables() or []), nft_tables()


def test_inside_view(wirt, net):
    """Inside: eth0 holds the addresses as /32 and /128, the default routes go via the
    link-local gateways 169.254.0.1 and fe80::1, /etc/hosts names the hostname with the
    address, /etc/resolv.conf lists the resolver given at create."""
    a4, a6 = net.v4(10), net.v6(0x10)
    wirt.create_started("a", "--ip", a4, "--ip", a6, "--hostname", "a.example.com",
                        "--resolver", net.v4(53))
    addrs = wirt.exec("a", "ip", "addr", "show", "dev", "eth0").stdout
    assert f"inet {a4}/32" in addrs and f"inet6 {a6}/128" in addrs, addrs
    r4 = wirt.exec("a", "ip", "route").stdout
    assert re.search(r"^default via 169\.254\.0\.1 dev eth0", r4, re.M), r4
    r6 = wirt.exec("a", "ip", "-6", "route").stdout
    assert re.search(r"^default via fe80::1 dev eth0", r6, re.M), r6
    hosts = wirt.exec("a", "cat", "/etc/hosts").stdout
    assert any(l.split()[:1] == [a4] and "a.example.com" in l.split() for l in
               hosts.splitlines()), f"/etc/hosts has no '{a4} ... a.example.com' line:\n{hosts}"
    assert wirt.exec("a", "hostname").stdout.strip() in ("a.example.com", "a"), \
        wirt.exec("a", "hostname").stdout
    resolv = wirt.exec("a", "cat", "/etc/resolv.conf").stdout
    assert re.search(rf"^nameserver\s+{re.escape(net.v4(53))}\s*$", resolv, re.M), resolv
    assert config_network(wirt, "a").get("resolver") == [net.v4(53)], config_network(wirt, "a")


def test_resolver_from_host_config(wirt, net):
    """A vServer created without --resolver gets the host config's resolver."""
    wirt.write_host_config({"resolver": net.v4(53)})
    wirt.create_started("a", "--ip", net.v4(10))
    resolv = wirt.exec("a", "cat", "/etc/resolv.conf").stdout
    assert re.search(rf"^nameserver\s+{re.escape(net.v4(53))}\s*$", resolv, re.M), resolv


# ---- 2: tenant policy --------------------------------------------------------------------------


def _both_reach(wirt, a, b, pa, pb):
    for x, y, page in ((a, b, pb), (b, a, pa)):
        for addr in config_addrs(wirt, y):
            guest_reaches(wirt, x, addr, page)


def _neither_reaches(wirt, a, b, what):
    for x, y in ((a, b), (b, a)):
        for addr in config_addrs(wirt, y):
            guest_cannot_reach(wirt, x, addr, what)


def test_policy_allow_then_deny_live(wirt, net):
    """Two vServers reach each other (IPv4 and IPv6, both directions) under the
    default policy; `wirt set b policy=deny` on the running b stops both directions at
    once while the host still reaches both; policy=allow opens it again."""
    _, pa = started(wirt, "a", "--ip", net.v4(10), "--ip", net.v6(0x10))
    _, pb = started(wirt, "b", "--ip", net.v4(20), "--ip", net.v6(0x20))
    _both_reach(wirt, "a", "b", pa, pb)

    wirt("set", "b", "policy=deny")
    assert config_network(wirt, "b").get("policy") == ["deny"], config_network(wirt, "b")
    _neither_reaches(wirt, "a", "b", "with b's policy deny")
    for addr in (net.v4(10), net.v6(0x10)):
        host_reaches(addr, pa)
    for addr in (net.v4(20), net.v6(0x20)):
        host_reaches(addr, pb)

    wirt("set", "b", "policy=allow")
    _both_reach(wirt, "a", "b", pa, pb)


def test_policy_deny_at_create(wirt, net):
    """`--policy deny` at create: the vServer neither reaches nor is reached by its
    neighbour, from its first start on; the host reaches both; the policy survives a
    restart."""
    _, pa = started(wirt, "a", "--ip", net.v4(10), "--ip", net.v6(0x10))
    _, pb = started(wirt, "b", "--ip", net.v4(20), "--ip", net.v6(0x20), "--policy", "deny")
    host_reaches(net.v4(20), pb)
    host_reaches(net.v6(0x20), pb)
    host_reaches(net.v4(10), pa)
    _neither_reaches(wirt, "a", "b", "with b created --policy deny")
    wirt("restart", "b", timeout=60)
    wirt.wait_booted("b")
    pb = serve(wirt, "b")
    host_reaches(net.v4(20), pb)
    _neither_reaches(wirt, "a", "b", "after b's restart with policy deny")


# ---- 3: spoofing ------------------------------------------------------------------------------


def test_spoofed_source_gets_nothing_through(wirt, net):
    """vServer a puts its neighbour b's addresses and addresses nobody owns on its eth0
    (as guest root may) and pings from each: the host receives none of those pings, and
    b sees none of the packets from a foreign source sent to it. The same ping from a's
    own addresses arrives (so the listeners can see what gets through)."""
    own4, own6 = net.v4(10), net.v6(0x10)
    nb4, nb6 = net.v4(20), net.v6(0x20)
    out4, out6 = net.v4(99), net.v6(0x99)
    wirt.create_started("a", "--ip", own4, "--ip", own6)
    wirt.create_started("b", "--ip", nb4, "--ip", nb6)
    wirt.sh("a", f"ip addr add {nb4}/32 dev eth0 && ip addr add {out4}/32 dev eth0 && "
                 f"ip -6 addr add {nb6}/128 dev eth0 && ip -6 addr add {out6}/128 dev eth0")
    wait_no_tentative(wirt, "a")
    h4, h6 = host_addr(4), host_addr(6)

    listener = IcmpListener()
    try:
        results = {}
        for src, dst in ((own4, h4), (own6, h6), (nb4, h4), (nb6, h6), (out4, h4),
                         (out6, h6)):
            results[src] = ping_from(wirt, "a", src, dst)
        time.sleep(0.5)
    finally:
        listener.close()
    for src in (own4, own6):
        sent, cp = results[src]
        assert sent > 0 and listener.count(src) > 0, \
            f"control: the host got no ping from a's own {src}" + show(cp)
    for src in (nb4, nb6, out4, out6):
        sent, cp = results[src]
        assert sent > 0, f"a could not even send from {src}: not a test of wirt" + show(cp)
        assert listener.count(src) == 0, \
            f"the host received {listener.count(src)} ping(s) from a with source {src}" + show(cp)

    # to the neighbour: b's own view of its eth0 (a gives b's addresses back first)
    wirt.sh("a", f"ip addr del {nb4}/32 dev eth0 && ip -6 addr del {nb6}/128 dev eth0")
    sniffer = Sniffer(wirt, "b", 6)
    try:
        sent_out, cp_out = ping_from(wirt, "a", out4, nb4)
        sent_out6, cp_out6 = ping_from(wirt, "a", out6, nb6)
        sent_own, cp_own = ping_from(wirt, "a", own4, nb4)
        pkts = sniffer.packets()
    finally:
        sniffer.stop()
    assert sent_out > 0 and sent_out6 > 0, show(cp_out) + show(cp_out6)
    assert any(p[2] == own4 and p[3] == nb4 for p in pkts), \
        f"control: b saw no packet from a's own {own4}: {pkts}" + show(cp_own)
    spoofed = [p for p in pkts if p[2] in (out4, out6)]
    assert spoofed == [], f"b saw packets with a's spoofed source: {spoofed}"


# ---- 4: bridged mode --------------------------------------------------------------------------


def _mac_inside(wirt, name):
    return wirt.exec(name, "cat", "/sys/class/net/eth0/address").stdout.strip()


def _set_mac_inside(wirt, name, mac):
    wirt.sh(name, f"ip link set eth0 down && ip link set eth0 address {mac} && "
                  "ip link set eth0 up")


def test_bridged_mac_is_enforced_and_stable(wirt, net, test_links):
    """Two vServers on a bridge wirt creates reach each other over layer 2; after a
    changes its MAC inside (guest root may), a reaches nothing and nothing reaches a;
    with its own MAC back it works again. The generated MAC is in the config and is the
    same after stop and start."""
    br = link_name("wtb")
    test_links.append(br)  # removed at teardown if still there: it is the test's name
    assert br not in host_links()
    wirt.create_started("a", "--network", "bridged", "--bridge", br, "--ip", f"{net.v4(11)}/24")
    wirt.create_started("b", "--network", "bridged", "--bridge", br, "--ip", f"{net.v4(12)}/24")
    pa, pb = serve(wirt, "a"), serve(wirt, "b")
    assert br in host_links(), f"wirt did not create bridge {br}"
    ports = host_cmd("ip", "-o", "link", "show", "master", br).stdout
    for name in ("a", "b"):
        assert iface_of(wirt, name) in ports, f"{name}'s interface is no port of {br}: {ports}"
    guest_reaches(wirt, "a", net.v4(12), pb)
    guest_reaches(wirt, "b", net.v4(11), pa)

    mac = _mac_inside(wirt, "a")
    conf_mac = config_network(wirt, "a").get("mac")
    assert conf_mac and conf_mac[0].lower() == mac.lower(), \
        f"config mac {conf_mac} is not eth0's {mac}"

    _set_mac_inside(wirt, "a", "02:00:00:00:99:99")
    wirt.sh("a", "ip neigh flush dev eth0", check=False)
    wirt.sh("b", "ip neigh flush dev eth0", check=False)
    guest_cannot_reach(wirt, "a", net.v4(12), "with a forged MAC")
    guest_cannot_reach(wirt, "b", net.v4(11), "while a has a forged MAC")
    _set_mac_inside(wirt, "a", mac)
    guest_reaches(wirt, "a", net.v4(12), pb)

    wirt("stop", "a", timeout=60)
    wirt("start", "a")
    wirt.wait_booted("a")
    assert _mac_inside(wirt, "a").lower() == mac.lower(), "the MAC changed across a restart"
    assert config_network(wirt, "a").get("mac") == conf_mac


def test_bridged_existing_bridge_is_left_alone(wirt, net, test_links):
    """On a bridge wirt did not create (the test's, with a port of the test's own),
    two bridged vServers reach each other; after they are deleted the bridge and the
    test's port are still there: wirt removes only what it created."""
    br = make_bridge(test_links, "wtb")
    mine = link_name("wtp")
    test_links.append(mine)
    cp = host_cmd("ip", "link", "add", mine, "type", "veth", "peer", "name", mine + "p")
    assert cp.returncode == 0, show(cp)
    host_cmd("ip", "link", "set", mine, "master", br)
    wirt.create_started("a", "--bridge", br, "--ip", f"{net.v4(11)}/24")
    wirt.create_started("b", "--bridge", br, "--ip", f"{net.v4(12)}/24")
    pb = serve(wirt, "b")
    guest_reaches(wirt, "a", net.v4(12), pb)
    for name in ("a", "b"):
        wirt("delete", "--force", name, timeout=60)
    assert br in host_links(), f"wirt deleted the bridge {br} it did not create"
    ports = host_cmd("ip", "-o", "link", "show", "master", br).stdout
    assert mine in ports, f"the test's own port {mine} left bridge {br}: {ports!r}"
    assert ports.count("\n") == 1, f"ports other than the test's are left: {ports!r}"


# ---- 5: sniffing ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["routed", "bridged"])
def test_raw_socket_sees_no_neighbour_traffic(wirt, net, test_links, mode):
    """c listens on a packet socket (guest root's CAP_NET_RAW in its own namespace)
    while a and b talk to each other (HTTP and ping): c sees none of their packets. As
    the control, c sees the packets that are its own."""
    if mode == "routed":
        extra = lambda host: ("--ip", net.v4(host), "--ip", net.v6(host))  # noqa: E731
    else:
        br = link_name("wtb")
        test_links.append(br)
        extra = lambda host: ("--network", "bridged", "--bridge", br,  # noqa: E731
                              "--ip", f"{net.v4(host)}/24")
    for name, host in (("a", 0x10), ("b", 0x20), ("c", 0x30)):
        wirt.create_started(name, *extra(host))
    pb = serve(wirt, "b")
    pa = serve(wirt, "a")
    ab = set(config_addrs(wirt, "a")) | set(config_addrs(wirt, "b"))
    c_addrs = set(config_addrs(wirt, "c"))
    # learnt neighbours and MACs before the capture, as on a busy host
    guest_reaches(wirt, "a", net.v4(0x20), pb)

    sniffer = Sniffer(wirt, "c", 8)
    try:
        for _ in range(3):
            guest_reaches(wirt, "a", net.v4(0x20), pb)
            guest_reaches(wirt, "b", net.v4(0x10), pa)
            if mode == "routed":
                guest_reaches(wirt, "a", net.v6(0x20), pb)
        ping_from(wirt, "a", net.v4(0x10), net.v4(0x20))
        ping_from(wirt, "a", net.v4(0x10), net.v4(0x30))  # the control: to c
        pkts = sniffer.packets()
    finally:
        sniffer.stop()
    theirs = [p for p in pkts if p[2] in ab and p[3] in ab]
    assert theirs == [], f"c saw {len(theirs)} packets between a and b: {theirs[:10]}"
    own = [p for p in pkts if p[2] in c_addrs or p[3] in c_addrs]
    assert own, f"control: c's sniffer saw none of its own traffic: {pkts[:20]}"


# ---- 6: the customer's routes and firewall -------------------------------------------------


def test_customer_routes_and_firewall(wirt, net):
    """Inside, guest root adds a route and a policy routing rule (busybox ip) and an
    nftables table that drops TCP port 8080 (the host's nft under the guest's user and
    network namespace: guest-root rights). The rule holds against a connection from the
    host while port 80 still answers; the host's own ruleset does not show it."""
    a4 = net.v4(10)
    wirt.create_started("a", "--ip", a4)
    page = serve(wirt, "a")
    serve_8080 = wirt.sh("a", "httpd -p 8080 -h /var/www", check=False)
    assert serve_8080.returncode == 0, show(serve_8080)
    host_reaches(a4, page, port=8080)  # the control: 8080 answers before the rule
    host_reaches(a4, page)

    # routes and policy routing of the customer's own
    wirt.sh("a", f"ip route add 10.231.{net.n}.128/25 via 169.254.0.1 dev eth0 onlink")
    wirt.sh("a", f"ip rule add from {a4} lookup 100 && "
                 "ip route add default via 169.254.0.1 dev eth0 onlink table 100")
    routes = wirt.exec("a", "ip", "route").stdout
    assert f"10.231.{net.n}.128/25 via 169.254.0.1" in routes, routes
    assert "lookup 100" in wirt.exec("a", "ip", "rule").stdout
    assert "default via 169.254.0.1" in wirt.exec("a", "ip", "route", "show", "table", "100").stdout
    host_reaches(a4, page)  # its replies now take table 100: still fine

    rules = ("table inet custfw {\n"
             " chain input { type filter hook input priority 0; policy accept;\n"
             "  tcp dport 8080 counter drop\n }\n}\n")
    cp = as_guest(wirt, "a", "nft", "-f", "-", input=rules)
    assert cp.returncode == 0, "guest root could not add its own nft table" + show(cp)
    inside = as_guest(wirt, "a", "nft", "list", "ruleset")
    assert "custfw" in inside.stdout and "8080" in inside.stdout, show(inside)
    host_cannot_reach(a4, port=8080, what="through the guest's drop rule")
    host_reaches(a4, page)
    host_rules = host_cmd("nft", "list", "ruleset").stdout
    assert "custfw" not in host_rules, "the guest's table shows in the host's ruleset"


# ---- 7: port forwards -------------------------------------------------------------------------


def test_port_forward(wirt, net):
    """`wirt port add a tcp HOSTPORT 80`: a connection from the host to its own address
    on HOSTPORT reaches a's web server; `port list` shows the forward with a's address;
    after `port delete` the port is closed again; deleting the vServer takes its
    forwards with it."""
    a4 = net.v4(10)
    wirt.create_started("a", "--ip", a4)
    page = serve(wirt, "a")
    h4 = host_addr(4)
    port = random.SystemRandom().randrange(20000, 30000)
    r = try_http(h4, port, timeout=2)
    assert isinstance(r, OSError), f"something on the host already answers on {port}"

    wirt("port", "add", "a", "tcp", port, 80)
    host_reaches(h4, page, port=port)
    lines = wirt("port", "list").stdout.splitlines()
    assert len(lines) >= 2, f"port list: {lines}"
    assert ["a", "tcp", str(port), "80", a4] in [l.split() for l in lines[1:]], lines
    only_a = wirt("port", "list", "a").stdout.splitlines()
    assert ["a", "tcp", str(port), "80", a4] in [l.split() for l in only_a[1:]], only_a

    wirt("port", "delete", "a", "tcp", port)
    host_cannot_reach(h4, port, "after port delete")
    assert str(port) not in wirt("port", "list").stdout

    wirt("port", "add", "a", "tcp", port, 80)
    host_reaches(h4, page, port=port)
    wirt("delete", "--force", "a", timeout=60)
    host_cannot_reach(h4, port, "after the vServer was deleted")
    cp = wirt("port", "list", check=False)
    assert str(port) not in cp.stdout, show(cp)


def test_port_forward_refusals(wirt, net):
    """A forward for an unknown vServer, a bad protocol, and the same host port twice
    are each refused with one error line."""
    wirt.create_started("a", "--ip", net.v4(10))
    wirt.create_started("b", "--ip", net.v4(20))
    port = random.SystemRandom().randrange(20000, 30000)
    assert_one_error_line(wirt("port", "add", "nosuch", "tcp", port, 80, check=False),
                          "nosuch", exits=(1, 2))
    assert_one_error_line(wirt("port", "add", "a", "icmp", port, 80, check=False),
                          exits=(1, 2))
    wirt("port", "add", "a", "tcp", port, 80)
    assert_one_error_line(wirt("port", "add", "b", "tcp", port, 80, check=False), "b")
    wirt("port", "delete", "a", "tcp", port)


# ---- 8: nothing left behind -------------------------------------------------------------------


def _break_init(wirt, name, base):
    """Makes the guest's /sbin/init an executable whose interpreter does not exist: the
    start fails at the very last step, exec of init, after the network is up."""
    upper = os.path.join(wirt.root, "vservers", name, "upper")
    sbin = os.path.join(upper, "sbin")
    os.makedirs(sbin, exist_ok=True)
    os.chown(sbin, base, base)
    init = os.path.join(sbin, "init")
    with open(init, "w") as f:
        f.write("#!/nonexistent/interpreter\n")
    os.chmod(init, 0o755)
    os.chown(init, base, base)


@pytest.mark.parametrize("how", ["stop", "delete", "failed-start", "sigkill-then-stop",
                                 "sigkill-then-delete"])
def test_nothing_left(wirt, net, test_links, how):
    """After stop, delete --force, a start that fails after the network is up, and a
    SIGKILLed supervisor cleaned by stop or delete --force: no link, route, proxy
    neighbour entry or nft element of the vServer is left; with no other vServer of
    the root up, the root's nft tables are gone. A neighbour's network is untouched."""
    uplink = make_bridge(test_links)
    wirt.write_host_config({"uplink": uplink})
    a4, a6 = net.v4(10), net.v6(0x10)
    _, pn = started(wirt, "n", "--ip", net.v4(20))  # a neighbour that stays up
    wirt("create", "a", "--ip", a4, "--ip", a6)
    base = wirt.status("a")["id_base"]
    if how == "failed-start":
        _break_init(wirt, "a", base)
        cp = wirt("start", "a", check=False)
        assert cp.returncode != 0, "start with a broken init succeeded" + show(cp)
        assert_one_error_line(cp, "a")
        iface = wirt.iface_prefix + "a"  # the status shows no interface when not running
        cp = wirt("status", "a")
        m = re.search(r"^interface:\s+(\S+)", cp.stdout, re.M)
        if m:
            iface = m.group(1)
            wirt.ifaces.add(iface)
    else:
        wirt("start", "a")
        wirt.wait_booted("a")
        page = serve(wirt, "a")
        iface = iface_of(wirt, "a")
        host_reaches(a4, page)
        for a in (a4, a6):
            assert proxy_neigh_lines(a), f"no proxy neighbour entry for {a} on {uplink}"
        assert net_left(wirt, "a", iface, [a4, a6]), "nothing to clean up: not a test"
        if how.startswith("sigkill"):
            sup = wirt.status("a")["supervisor_pid"]
            os.kill(sup, signal.SIGKILL)
            wait_until(lambda: not proc_alive(sup), 5, "the supervisor to die")
            assert wirt.state("a") == "crashed"
        if how in ("stop", "sigkill-then-stop"):
            wirt("stop", "a", timeout=60)
        else:
            wirt("delete", "--force", "a", timeout=60)
    left = net_left(wirt, "a", iface, [a4, a6])
    assert left == [], f"after {how}, a's network is left:\n  " + "\n  ".join(left)
    host_reaches(net.v4(20), pn)  # the neighbour is untouched
    assert nft_mentions(wirt, "n"), "the neighbour's nft elements went too"
    wirt("delete", "--force", "n", timeout=60)
    tables = [t for t in nft_tables() or [] if t[1] == wirt.nft_table]
    assert tables == [], f"the root's tables outlive its last vServer: {tables}"
    if how == "sigkill-then-stop":
        wirt("start", "a")  # and it starts again, with its network
        wirt.wait_booted("a")
        host_reaches(a4, serve(wirt, "a"))


def test_reboot_and_poweroff_from_inside(wirt, net):
    """A guest that reboots itself gets a new network namespace: the supervisor brings
    the network down and up again around the new boot, and the host reaches it as
    before. A guest that powers itself off (no `wirt stop`) leaves nothing behind."""
    a4, a6 = net.v4(10), net.v6(0x10)
    st, page = started(wirt, "a", "--ip", a4, "--ip", a6)
    iface = iface_of(wirt, "a")
    host_reaches(a4, page)
    wirt.exec("a", "reboot", check=False)
    wait_until(lambda: (wirt.status("a").get("pid") or st["pid"]) != st["pid"], 15,
               "a new PID 1 after the guest's reboot")
    wirt.wait_booted("a")
    # (the namespace's inode number says nothing: the kernel reuses it once freed)
    page = serve(wirt, "a")
    host_reaches(a4, page)
    host_reaches(a6, page)
    assert net_left(wirt, "a", iface, [a4, a6]), "no network after the reboot"

    wirt.exec("a", "poweroff", check=False)
    wait_until(lambda: wirt.state("a") == "stopped", 20, "the guest to power itself off")
    left = net_left(wirt, "a", iface, [a4, a6])
    assert left == [], "after a poweroff from inside, a's network is left:\n  " + "\n  ".join(left)
    tables = [t for t in nft_tables() or [] if t[1] == wirt.nft_table]
    assert tables == [], f"the root's tables outlive its last vServer: {tables}"


# ---- the uplink: proxy ARP / NDP and outbound NAT ------------------------------------------


@pytest.fixture
def outside(net, test_links):
    """A stand-in for the network behind the uplink, all on this machine: a network
    namespace joined to the host by a veth whose host end is the uplink. The host end
    has 10.231.N.129/25 and fd00:231:N:1::1/64, the outside 10.231.N.130/25 and
    fd00:231:N:1::130/64, and no other route: it can answer only addresses on its own
    link, or NATed to the host's."""
    ns = link_name("wto")
    uplink = link_name("wtu")
    test_links.append(uplink)
    cp = host_cmd("ip", "netns", "add", ns)
    assert cp.returncode == 0, show(cp)
    try:
        steps = [
            ("ip", "link", "add", uplink, "type", "veth", "peer", "name", "eth0", "netns", ns),
            ("ip", "addr", "add", f"10.231.{net.n}.129/25", "dev", uplink),
            ("ip", "-6", "addr", "add", f"fd00:231:{net.n:x}:1::1/64", "dev", uplink, "nodad"),
            ("ip", "link", "set", uplink, "up"),
            ("ip", "-n", ns, "addr", "add", f"10.231.{net.n}.130/25", "dev", "eth0"),
            ("ip", "-n", ns, "-6", "addr", "add", f"fd00:231:{net.n:x}:1::130/64", "dev", "eth0",
             "nodad"),
            ("ip", "-n", ns, "link", "set", "eth0", "up"),
            ("ip", "-n", ns, "link", "set", "lo", "up"),
        ]
        for argv in steps:
            cp = host_cmd(*argv)
            assert cp.returncode == 0, show(cp)
        yield ns, uplink
    finally:
        host_cmd("ip", "netns", "delete", ns)


def outside_ping(ns, addr):
    cp = host_cmd("ip", "netns", "exec", ns, "busybox", "ping", "-c", "2", "-i", "0.2", "-W",
                  "2", addr)
    return cp


def test_uplink_proxy_and_masquerade(wirt, net, outside):
    """With an uplink in the host config, a vServer's addresses on the uplink's subnet
    are reachable from there (proxy ARP and proxy NDP on the uplink: the outside has
    no route to them, it asks on its link); a vServer whose address is in a masquerade
    prefix reaches the outside with the uplink's address, one outside the prefix
    does not (the outside has no route back to it)."""
    ns, uplink = outside
    pub4, pub6 = f"10.231.{net.n}.140", f"fd00:231:{net.n:x}:1::140"
    out4 = f"10.231.{net.n}.130"
    wirt.write_host_config({"uplink": uplink, "masquerade": f"10.231.{net.n}.8/29"})
    wirt.create_started("p", "--ip", pub4, "--ip", pub6)
    wirt.create_started("m", "--ip", net.v4(10))  # in the masquerade prefix
    wirt.create_started("x", "--ip", net.v4(20))  # not in it
    for a in (pub4, pub6):
        assert any(f"dev {uplink}" in l for l in proxy_neigh_lines(a)), \
            f"no proxy entry for {a} on {uplink}: {proxy_neigh_lines(a)}"
        wait_until(lambda: outside_ping(ns, a).returncode == 0, 10,
                   f"the outside to reach {a} through proxy ARP/NDP")
    sent, cp = ping_from(wirt, "m", net.v4(10), out4)
    assert cp.returncode == 0, "m (masquerade prefix) cannot reach the outside" + show(cp)
    sent, cp = ping_from(wirt, "x", net.v4(20), out4)
    assert sent > 0 and cp.returncode != 0, \
        "x (no masquerade) got an answer from the outside, which has no route to it" + show(cp)
    assert "packets transmitted" in cp.stdout, show(cp)


# ---- 9: the address pool ----------------------------------------------------------------------


def _pool_addrs(wirt, name, net):
    addrs = [ipaddress.ip_address(a) for a in config_addrs(wirt, name)]
    v4 = [a for a in addrs if a.version == 4]
    v6 = [a for a in addrs if a.version == 6]
    assert len(v4) == 1 and v4[0] in ipaddress.ip_network(net.pool), \
        f"'{name}' got no single IPv4 address of {net.pool}: {addrs}"
    assert len(v6) == 1 and v6[0] in ipaddress.ip_network(net.pool6), \
        f"'{name}' got no single IPv6 address of {net.pool6}: {addrs}"
    return v4[0], v6[0]


def test_pool(wirt, net):
    """Without --ip, each vServer gets the lowest free address of pool and pool6: two
    get different ones; a free address another vServer took with --ip is skipped; a
    deleted vServer's address is free again; a restart keeps the address. An --ip, or
    ip+=, of an address another vServer holds, or of the host's own, is refused with
    one error line."""
    wirt.write_host_config({"pool": net.pool, "pool6": net.pool6})
    wirt("create", "a")
    wirt("create", "b")
    a4, a6 = _pool_addrs(wirt, "a", net)
    b4, b6 = _pool_addrs(wirt, "b", net)
    assert a4 != b4 and a6 != b6, (a4, b4, a6, b6)
    assert b4 > a4 and b6 > a6, f"not the lowest free: a {a4} {a6}, b {b4} {b6}"
    # c takes the next one by hand; d must skip it
    wirt("create", "c", "--ip", str(b4 + 1))
    wirt("create", "d")
    d4, d6 = _pool_addrs(wirt, "d", net)
    assert d4 == b4 + 2, f"d got {d4}; the lowest free was {b4 + 2} (c holds {b4 + 1})"
    assert d6 not in (a6, b6), d6

    wirt("start", "a")
    host_reaches(str(a4), serve(wirt, "a"))
    host_reaches(str(a6), "page-of-a")
    wirt("restart", "a", timeout=60)
    assert _pool_addrs(wirt, "a", net) == (a4, a6), "a restart changed the address"

    wirt("delete", "--force", "a", timeout=60)
    wirt("create", "e")
    e4, e6 = _pool_addrs(wirt, "e", net)
    assert e4 == a4, f"e got {e4}; the lowest free was a's old {a4}"
    used = {b4, b6, b4 + 1, d4, d6}
    assert e4 not in used and e6 not in used, (e4, e6, used)

    cp = wirt("create", "f", "--ip", str(b4), check=False)
    line = assert_one_error_line(cp, "f")
    assert str(b4) in line, "the error does not name the address" + show(cp)
    cp = wirt("create", "f", "--ip", str(b6), check=False)
    assert_one_error_line(cp, "f")
    cp = wirt("create", "f", "--ip", host_addr(4), check=False)
    assert_one_error_line(cp, "f")
    assert "f" not in wirt.vserver_names()
    cp = wirt("set", "e", f"ip+={b4}", check=False)
    assert_one_error_line(cp, "e")
    assert str(b4) not in config_addrs(wirt, "e")
    wirt("start", "b")
    cp = wirt("set", "e", f"ip+={b4}", check=False)  # held by a running vServer
    assert_one_error_line(cp, "e")
    cp = wirt("set", "b", f"ip+={host_addr(4)}", check=False)
    assert_one_error_line(cp, "b")


def test_conflicting_ip_without_pool(wirt, net):
    """Without a pool: a vServer without --ip has no address, and an --ip another
    vServer holds is refused at create, naming the new vServer."""
    wirt("create", "a", "--ip", net.v4(10))
    cp = wirt("create", "b", "--ip", net.v4(10), check=False)
    assert_one_error_line(cp, "b")
    assert "b" not in wirt.vserver_names()
    wirt("create", "c")
    assert config_addrs(wirt, "c") == [], config_network(wirt, "c")


# ---- 10: addresses live --------------------------------------------------------------------


def test_live_changes_survive_reboot_and_go_with_stop(wirt, net, test_links):
    """What `wirt set` and `wirt port` change on a running vServer is what its network
    is from then on: a reboot from inside brings back the added address, the policy and
    the forward (not the network it was started with), and a stop removes them all, also
    the proxy entry of the added address."""
    uplink = make_bridge(test_links)
    wirt.write_host_config({"uplink": uplink})
    a4, new4 = net.v4(10), net.v4(50)
    _, pn = started(wirt, "n", "--ip", net.v4(20))  # a neighbour, to see the policy
    st, page = started(wirt, "a", "--ip", a4)
    iface = iface_of(wirt, "a")
    port = random.SystemRandom().randrange(20000, 30000)
    wirt("set", "a", f"ip+={new4}", "policy=deny")
    wirt("port", "add", "a", "tcp", port, 80)
    host_reaches(new4, page)
    assert proxy_neigh_lines(new4), f"no proxy neighbour entry for {new4}"

    wirt.exec("a", "reboot", check=False)
    wait_until(lambda: (wirt.status("a").get("pid") or st["pid"]) != st["pid"], 15,
               "a new PID 1 after the guest's reboot")
    wirt.wait_booted("a")
    page = serve(wirt, "a")
    host_reaches(new4, page)
    assert proxy_neigh_lines(new4), f"no proxy neighbour entry for {new4} after the reboot"
    guest_cannot_reach(wirt, "n", a4, "after a's reboot with policy deny")
    host_reaches(host_addr(4), page, port=port)

    wirt("stop", "a", timeout=60)
    left = net_left(wirt, "a", iface, [a4, new4])
    assert left == [], "after stop, a's network is left:\n  " + "\n  ".join(left)
    host_cannot_reach(host_addr(4), port=port, what="the forward after a's stop")
    host_reaches(net.v4(20), pn)


def test_ip_add_remove_live(wirt, net):
    """`wirt set a ip+=ADDR` on a running vServer: the host reaches it there at once
    (IPv4 and IPv6), with a host route and nft elements; `ip-=ADDR`: unreachable at
    once, route gone, first address untouched; the config follows."""
    a4 = net.v4(10)
    wirt.create_started("a", "--ip", a4)
    page = serve(wirt, "a")
    iface = iface_of(wirt, "a")
    host_reaches(a4, page)
    new4, new6 = net.v4(50), net.v6(0x50)
    for new in (new4, new6):
        host_cannot_reach(new, what="before ip+=")
        wirt("set", "a", f"ip+={new}")
        assert new in config_addrs(wirt, "a"), config_network(wirt, "a")
        host_reaches(new, page, timeout=3)
        assert any(f"dev {iface}" in r for r in route_lines(new)), route_lines(new)
        inside = wirt.exec("a", "ip", "addr", "show", "dev", "eth0").stdout
        assert new in inside, inside

    for new in (new4, new6):
        wirt("set", "a", f"ip-={new}")
        assert new not in config_addrs(wirt, "a"), config_network(wirt, "a")
        host_cannot_reach(new, what="after ip-=")
        assert route_lines(new) == [], route_lines(new)
    host_reaches(a4, page)
    text = nft_table_text(wirt) or ""
    assert new4 not in text and new6 not in text, f"nft still has the removed address:\n{text}"
