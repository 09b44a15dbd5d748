# SPDX-License-Identifier: LGPL-2.1-or-later
"""
Integration tests: real vServers, run as root against ./build/wirt (or $WIRT_BIN).

Every test gets a fresh root dir under /tmp and a private id registry
(WIRT_ID_REGISTRY), with the busybox template copied in from one build per session.
Each test also gets a host config of its own (WIRT_CONFIG, by default without a
[network] pool, so vServers get no addresses unless a test asks for them).

Teardown always runs `wirt delete --force` on every vServer of that root, then looks
for what a vServer may leave behind on the host (mounts naming the root dir, cgroups
of the root, processes running with the vServer's host ids or naming the root dir on
their command line; and of its network: links named with the root's interface prefix,
routes and proxy neighbour entries of the root's addresses, the root's nftables
tables), cleans those up by hand and fails the test when it found any.
"""
import glob
import ipaddress
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WIRT_BIN = os.environ.get("WIRT_BIN", str(REPO / "build" / "wirt"))
CGROUP_ROOT = "/sys/fs/cgroup"
ID_FIRST = 1000000000
ID_COUNT = 65536


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than 30 seconds")


# ---- small helpers usable from tests ------------------------------------------------


def show(cp):
    """A CompletedProcess as text for assertion messages."""
    args = cp.args if isinstance(cp.args, str) else " ".join(repr(a) for a in cp.args)
    return f"\n  $ {args}\n  exit {cp.returncode}\n  stdout: {cp.stdout!r}\n  stderr: {cp.stderr!r}"


def error_lines(cp):
    return [l for l in cp.stderr.splitlines() if l.strip()]


def assert_one_error_line(cp, name=None, exits=(1,), contains=None):
    """wirt failed the way the contract says: an expected exit status, one line on
    stderr starting 'wirt: ', naming the vServer (as typed, in quotes) if given."""
    assert cp.returncode in exits, f"expected exit in {exits}, got {cp.returncode}" + show(cp)
    lines = error_lines(cp)
    assert len(lines) == 1, f"expected one stderr line, got {len(lines)}" + show(cp)
    assert lines[0].startswith("wirt: "), "stderr line does not start with 'wirt: '" + show(cp)
    if name is not None:
        assert f"'{name}'" in lines[0], f"stderr line does not name '{name}'" + show(cp)
    if contains is not None:
        assert contains in lines[0], f"stderr line lacks {contains!r}" + show(cp)
    return lines[0]


def wait_until(predicate, timeout, what, interval=0.1):
    """Polls predicate() until it returns a true value; fails naming 'what'."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
        time.sleep(interval)


def fnv1a32(s):
    """cgroup.c's tag for a root dir path (FNV-1a, 32 bits)."""
    h = 2166136261
    for b in s.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return None


def host_pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def proc_uids(pid):
    """The four uids of /proc/PID/status (real, effective, saved, fs), or None."""
    st = read_text(f"/proc/{pid}/status")
    if st is None:
        return None
    for line in st.splitlines():
        if line.startswith("Uid:"):
            return [int(x) for x in line.split()[1:]]
    return None


def proc_alive(pid):
    """True for a process that exists and is not a zombie. A zombie holds nothing but
    its pid; whether it is reaped soon is up to its parent (on some hosts PID 1 is not
    a real init and reaps late), not up to wirt."""
    st = read_text(f"/proc/{pid}/stat")
    if not st:
        return False
    return st.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def proc_cmdline(pid):
    t = read_text(f"/proc/{pid}/cmdline")
    return (t or "").replace("\0", " ").strip()


def proc_describe(pid):
    return f"pid {pid} uids {proc_uids(pid)} comm {(read_text(f'/proc/{pid}/comm') or '').strip()!r} cmdline {proc_cmdline(pid)!r}"


def host_cmd(*argv, timeout=30):
    """Runs a host command (ip, nft); returns the CompletedProcess (text), never fails."""
    try:
        return subprocess.run([str(a) for a in argv], capture_output=True, encoding="utf-8",
                              errors="replace", timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as e:
        return subprocess.CompletedProcess(argv, 127, "", f"{type(e).__name__}: {e}")


def host_links():
    """Names of the host's network links (without the '@peer' suffix)."""
    out = host_cmd("ip", "-o", "link", "show").stdout
    names = []
    for line in out.splitlines():
        parts = line.split(":", 2)
        if len(parts) >= 2:
            names.append(parts[1].strip().split("@")[0])
    return names


def route_lines(addr):
    """Lines of `ip route show table all` (both families) whose destination is 'addr'
    as a host route (ADDR, ADDR/32, ADDR/128), in any table and of any type."""
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return []
    fam = "-6" if ip.version == 6 else "-4"
    host = 32 if ip.version == 4 else 128
    found = []
    for line in host_cmd("ip", fam, "route", "show", "table", "all").stdout.splitlines():
        words = line.split()
        if words and words[0] in ("unicast", "local", "broadcast", "blackhole", "unreachable",
                                  "prohibit", "throw", "anycast", "multicast", "nat"):
            words = words[1:]
        if not words:
            continue
        dest = words[0]
        try:
            net = ipaddress.ip_network(dest if "/" in dest else f"{dest}/{host}", strict=False)
        except ValueError:
            continue
        if net.prefixlen == host and net.network_address == ip:
            found.append(line)
    return found


def proxy_neigh_lines(addr):
    """Proxy ARP / NDP entries (`ip neigh show proxy`) for 'addr'."""
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return []
    fam = "-6" if ip.version == 6 else "-4"
    found = []
    for line in host_cmd("ip", fam, "neigh", "show", "proxy").stdout.splitlines():
        words = line.split()
        try:
            if words and ipaddress.ip_address(words[0]) == ip:
                found.append(line)
        except ValueError:
            pass
    return found


def nft_tables():
    """The host's nftables tables as (family, name) pairs; None when nft cannot run."""
    cp = host_cmd("nft", "list", "tables")
    if cp.returncode != 0:
        return None
    tables = []
    for line in cp.stdout.splitlines():
        words = line.split()
        if len(words) == 3 and words[0] == "table":
            tables.append((words[1], words[2]))
    return tables


# ---- the per-test vServer root ---------------------------------------------------------


class Wirt:
    """A root dir of wirt's own with a private id registry. Call it like the CLI:
    wirt("create", "a") runs `wirt --root ROOT create a`."""

    def __init__(self, root, registry, config_dir):
        self.root = root
        self.registry = registry
        self.owns_registry = True
        self.bin = WIRT_BIN
        # The host config (WIRT_CONFIG) of this test: written by write_host_config.
        self.config_dir = config_dir
        self.host_config = os.path.join(config_dir, "wirt.conf")
        self.env = dict(os.environ, WIRT_ID_REGISTRY=registry, WIRT_CONFIG=self.host_config)
        self.env.pop("WIRT_ROOT", None)
        self.hash = f"{fnv1a32(os.path.realpath(root)):08x}"
        self.tag = f"wirt-{self.hash}"
        # The root's network names: its nftables tables (inet and bridge) and the
        # prefix of its vServers' host-side interfaces.
        self.nft_table = f"wirt_{self.hash}"
        self.iface_prefix = f"w{self.hash[:4]}-"
        self.bases = set()  # every id_base seen in this root, for the leak check
        self.baseline = set()  # processes in our id ranges before the test began
        self.addrs = set()  # every address a vServer of this root had in its config
        self.ifaces = set()  # every host-side interface a test saw (wirt status)
        self.write_host_config()

    def write_host_config(self, network=None, text=None):
        """Writes the host config: a [network] section with the keys of 'network'
        (pool, pool6, uplink, masquerade, resolver), or 'text' as it is. Without
        either: a config with no [network] pool, as every test gets by default."""
        if text is None:
            text = "# tests/integration/conftest.py: no [network] pool\n"
            if network:
                text += "[network]\n" + "".join(f"{k} = {v}\n" for k, v in network.items())
        with open(self.host_config, "w") as f:
            f.write(text)

    # -- running the CLI --

    def __call__(self, *args, check=True, input=None, timeout=60):
        cp = self.run(*args, input=input, timeout=timeout)
        if check and cp.returncode != 0:
            pytest.fail(f"wirt {args[0] if args else ''} failed" + show(cp))
        return cp

    def argv(self, *args):
        return [self.bin, "--root", self.root, *[str(a) for a in args]]

    def run(self, *args, input=None, timeout=60):
        try:
            cp = subprocess.run(
                self.argv(*args), input=input, capture_output=True, env=self.env,
                timeout=timeout, encoding="utf-8", errors="replace",
                stdin=None if input is not None else subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            pytest.fail(f"wirt {' '.join(map(str, args))} did not finish in {timeout}s; "
                        f"stdout {e.stdout!r} stderr {e.stderr!r}")
        self.note_bases()
        return cp

    def popen(self, *args, **kw):
        kw.setdefault("env", self.env)
        return subprocess.Popen(self.argv(*args), **kw)

    def exec(self, name, *cmd, check=True, input=None, timeout=30):
        return self("exec", name, "--", *cmd, check=check, input=input, timeout=timeout)

    def sh(self, name, script, check=True, input=None, timeout=30):
        """Runs a shell script inside; returns the CompletedProcess."""
        return self.exec(name, "/bin/sh", "-c", script, check=check, input=input,
                         timeout=timeout)

    def status(self, name):
        cp = self("status", name, "--json")
        try:
            return json.loads(cp.stdout)
        except ValueError:
            pytest.fail("status --json is not JSON" + show(cp))

    def list(self):
        cp = self("list", "--json")
        try:
            return json.loads(cp.stdout)
        except ValueError:
            pytest.fail("list --json is not JSON" + show(cp))

    def state(self, name):
        return self.status(name)["state"]

    def logs(self, name):
        return self("logs", name).stdout

    # -- composite steps --

    def create_started(self, name, *create_args, wait_console=True):
        """create + start; waits until busybox init has run rcS (its console prompt is
        printed after the sysinit scripts). Returns status --json."""
        self("create", name, *create_args)
        self("start", name)
        if wait_console:
            self.wait_booted(name)
        st = self.status(name)
        assert st["state"] == "running", f"after start: {st}"
        return st

    def wait_booted(self, name, timeout=15):
        wait_until(lambda: "Please press Enter" in self.logs(name), timeout,
                   f"busybox init of '{name}' to reach its console prompt")

    # -- what is on the host --

    def vserver_names(self):
        try:
            return sorted(os.listdir(os.path.join(self.root, "vservers")))
        except FileNotFoundError:
            return []

    def note_bases(self):
        """Notes every id range and address the root's vServers' configs name."""
        for n in self.vserver_names():
            text = read_text(os.path.join(self.root, "vservers", n, "config")) or ""
            section = None
            for line in text.splitlines():
                line = line.strip()
                if line.startswith("["):
                    section = line
                elif section == "[network]" and line.replace(" ", "").startswith("ip="):
                    for a in line.split("=", 1)[1].replace(",", " ").split():
                        self.addrs.add(a.split("/")[0])
                elif section == "[ids]" and line.replace(" ", "").startswith("base="):
                    try:
                        base = int(line.split("=", 1)[1])
                    except ValueError:
                        continue
                    if ID_FIRST <= base and (base - ID_FIRST) % ID_COUNT == 0:
                        self.bases.add(base)

    def cgroup_dirs(self, name=None):
        """Directories of this root's cgroups, in every hierarchy (v1) or the unified
        one (v2); only those of vServer 'name' if given."""
        pattern = f"{CGROUP_ROOT}/*/{self.tag}" if os.path.isdir(f"{CGROUP_ROOT}/pids") \
            else f"{CGROUP_ROOT}/{self.tag}"
        dirs = sorted(glob.glob(pattern))
        if name is not None:
            dirs = [os.path.join(d, name) for d in dirs if os.path.isdir(os.path.join(d, name))]
        return dirs

    def cgroup_pids(self, name):
        """Processes in vServer 'name''s pids cgroup (v1) or its unified cgroup (v2)."""
        pids = set()
        for d in self.cgroup_dirs(name):
            t = read_text(os.path.join(d, "cgroup.procs"))
            if t:
                pids.update(int(x) for x in t.split())
        return sorted(pids)

    def mounts(self):
        text = read_text("/proc/self/mountinfo") or ""
        return [l for l in text.splitlines() if self.root in l]

    def _ours(self, pid):
        """Is a process in one of our id ranges ours? Other roots on this host (other
        engineers' tests with their own private registries) hand out the same ranges,
        so a process inside *another* root's cgroup is not counted."""
        cg = read_text(f"/proc/{pid}/cgroup") or ""
        if self.tag in cg:
            return True
        return "wirt" not in cg  # escaped every wirt cgroup: ours to worry about

    def procs_in_range(self, base):
        found = []
        for pid in host_pids():
            uids = proc_uids(pid)
            if uids and any(base <= u < base + ID_COUNT for u in uids) and self._ours(pid) \
                    and proc_alive(pid):
                found.append(pid)
        return found

    def procs_naming_root(self):
        me = os.getpid()
        return [p for p in host_pids()
                if p != me and self.root in proc_cmdline(p) and proc_alive(p)]

    def net_leftovers(self):
        """What of the root's network is on the host: links with its interface prefix
        (or seen in `wirt status`), host routes and proxy neighbour entries of any
        address its vServers had, its nftables tables. Only meaningful once no vServer
        of the root runs."""
        found = []
        for link in host_links():
            if link.startswith(self.iface_prefix) or link in self.ifaces:
                found.append(f"network link: {link}")
        for a in sorted(self.addrs):
            found += [f"route to {a}: {l}" for l in route_lines(a)]
            found += [f"proxy neighbour {a}: {l}" for l in proxy_neigh_lines(a)]
        for fam, name in nft_tables() or []:
            if name == self.nft_table:
                found.append(f"nftables table: {fam} {name}")
        return found

    def leftovers(self, bases=None):
        """What this root leaves on the host: a list of readable lines, empty if none.
        With 'bases' (some vServers' id ranges) only their processes and the root's
        mounts and cgroups; without, the whole root, its network included."""
        found = []
        found += [f"mount: {l}" for l in self.mounts()]
        found += [f"cgroup: {d}" for d in self.cgroup_dirs()]
        for base in sorted(self.bases if bases is None else bases):
            found += [f"process in id range {base}: {proc_describe(p)}"
                      for p in self.procs_in_range(base) if p not in self.baseline]
        found += [f"process naming the root dir: {proc_describe(p)}"
                  for p in self.procs_naming_root() if p not in self.baseline]
        if bases is None:
            found += self.net_leftovers()
        return found

    # -- teardown --

    def force_clean(self):
        """The hard way, after wirt's own cleanup failed: kill, unmount, rmdir."""
        for _ in range(3):
            pids = set(self.procs_naming_root())
            for d in self.cgroup_dirs():
                for procs in glob.glob(os.path.join(d, "**", "cgroup.procs"), recursive=True):
                    pids.update(int(x) for x in (read_text(procs) or "").split())
            for base in self.bases:
                pids.update(self.procs_in_range(base))
            pids.discard(os.getpid())
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.2)
        for line in reversed(self.mounts()):
            mnt = line.split()[4]
            subprocess.run(["umount", "-l", mnt], capture_output=True, timeout=10)
        for d in self.cgroup_dirs():
            for sub, _, _ in sorted(os.walk(d), key=lambda t: -len(t[0])):
                try:
                    os.rmdir(sub)
                except OSError:
                    pass
        self.force_clean_network()

    def force_clean_network(self):
        """Removes the root's links, routes, proxy entries and nftables tables."""
        for link in host_links():
            if link.startswith(self.iface_prefix) or link in self.ifaces:
                host_cmd("ip", "link", "delete", link)
        for a in sorted(self.addrs):
            fam = "-6" if ":" in a else "-4"
            for line in route_lines(a):
                words = line.split()
                host_cmd("ip", fam, "route", "delete", *words)
            for line in proxy_neigh_lines(a):
                words = line.split()
                if "dev" in words:
                    host_cmd("ip", fam, "neigh", "delete", "proxy", a, "dev",
                             words[words.index("dev") + 1])
        for fam, name in nft_tables() or []:
            if name == self.nft_table:
                host_cmd("nft", "delete", "table", fam, name)


def _build_template_cache(tmp):
    """One busybox template build per session, copied into each test's root."""
    root = os.path.join(tmp, "template-cache")
    os.mkdir(root)
    os.chmod(root, 0o755)
    cp = subprocess.run([WIRT_BIN, "--root", root, "template", "build", "busybox"],
                        capture_output=True, encoding="utf-8", errors="replace", timeout=120,
                        stdin=subprocess.DEVNULL,
                        env=dict(os.environ, WIRT_ID_REGISTRY=os.path.join(tmp, "ids")))
    if cp.returncode != 0:
        pytest.fail("wirt template build busybox failed" + show(cp))
    return os.path.join(root, "templates")


# Every Wirt of the session: a last sweep at the end catches a root whose teardown
# itself broke off.
_ROOTS = []


def _sweep_roots():
    for w in _ROOTS:
        if not os.path.exists(w.root) or not w.leftovers():
            continue
        for name in w.vserver_names():
            try:
                subprocess.run(w.argv("delete", "--force", name), capture_output=True,
                               env=w.env, timeout=60, stdin=subprocess.DEVNULL)
            except (OSError, subprocess.SubprocessError):
                pass
        w.force_clean()
        if not w.mounts():
            shutil.rmtree(w.root, ignore_errors=True)


@pytest.fixture(scope="session")
def template_cache():
    if os.geteuid() != 0:
        pytest.skip("integration tests create real vServers: run them as root")
    if not os.access(WIRT_BIN, os.X_OK):
        pytest.skip(f"no wirt binary at {WIRT_BIN}: build it (ninja -C build) or set WIRT_BIN")
    tmp = tempfile.mkdtemp(prefix="wirt-it-session-")
    try:
        yield _build_template_cache(tmp)
    finally:
        _sweep_roots()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def wirt(template_cache, request):
    root = tempfile.mkdtemp(prefix="wirt-it-")
    registry = tempfile.mkdtemp(prefix="wirt-it-ids-")
    # mkdtemp makes 0700 dirs, which wirt must cope with (test_root_dir_0700); most
    # tests use the usual 0755.
    os.chmod(root, 0o755)
    subprocess.run(["cp", "-a", template_cache, os.path.join(root, "templates")], check=True,
                   timeout=60)
    config_dir = tempfile.mkdtemp(prefix="wirt-it-conf-")
    w = Wirt(root, registry, config_dir)
    _ROOTS.append(w)
    # What already ran in the ranges we will hand out: not ours to report.
    for slot in range(8):
        w.baseline.update(w.procs_in_range(ID_FIRST + slot * ID_COUNT))
    try:
        yield w
    finally:
        _teardown(w, request)


@pytest.fixture
def other_wirt(wirt, request):
    """A second root dir, as another host would have: no templates of its own. It shares
    wirt's id registry, so its id ranges differ from wirt's as they would on a real
    second host (and two vServers of the machine never share one)."""
    root = tempfile.mkdtemp(prefix="wirt-it-other-")
    os.chmod(root, 0o755)
    config_dir = tempfile.mkdtemp(prefix="wirt-it-conf-")
    w = Wirt(root, wirt.registry, config_dir)
    w.owns_registry = False
    _ROOTS.append(w)
    try:
        yield w
    finally:
        _teardown(w, request)


def _teardown(w, request):
    try:
        problems = _cleanup(w)
    except Exception as e:  # the sweep at session end still tries
        problems = [f"teardown broke off: {type(e).__name__}: {e}"]
    if problems:
        pytest.fail("leftovers after the test:\n  " + "\n  ".join(problems), pytrace=False)


def _cleanup(w):
    """Deletes every vServer of w, then finds, reports and removes what is left."""
    problems = []
    w.note_bases()
    for name in w.vserver_names():
        try:
            cp = subprocess.run(w.argv("delete", "--force", name), capture_output=True,
                                env=w.env, timeout=60, encoding="utf-8", errors="replace",
                                stdin=subprocess.DEVNULL)
            if cp.returncode != 0:
                problems.append(f"teardown: delete --force {name!r} failed" + show(cp))
        except subprocess.TimeoutExpired:
            problems.append(f"teardown: delete --force {name!r} did not finish in 60s")
        except OSError as e:
            # e.g. build/wirt being relinked by a concurrent ninja: clean by hand below
            problems.append(f"teardown: cannot run wirt delete --force {name!r}: {e}")
    # A process killed a moment ago may still be on its way out.
    deadline = time.monotonic() + 5
    left = w.leftovers()
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = w.leftovers()
    problems += left
    if left:
        w.force_clean()
        still = w.leftovers()
        if still:
            problems += ["STILL THERE after forced cleanup: " + s for s in still]
    if w.vserver_names():
        problems.append(f"teardown: vServers left after delete --force: {w.vserver_names()}")
    if w.mounts():
        # rmtree would descend into a mount and delete what it shows: leave it.
        problems.append(f"teardown: {w.root} not removed, mounts are left under it")
    else:
        shutil.rmtree(w.root, ignore_errors=True)
    if w.owns_registry:
        shutil.rmtree(w.registry, ignore_errors=True)
    shutil.rmtree(w.config_dir, ignore_errors=True)
    if os.path.exists(w.root) and not w.mounts():
        problems.append(f"teardown: cannot remove {w.root}")
    return problems
