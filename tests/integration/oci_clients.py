# SPDX-License-Identifier: LGPL-2.1-or-later
"""
Real OCI clients, Podman and containerd, driving a runc-compatible runtime: shared by
test_oci_podman.py and test_oci_containerd.py.

The runtime under test is $OCI_RUNTIME if set (e.g. /usr/sbin/runc, to check the tests
themselves), else wirt-oci (ocibundle.WIRT_OCI_BIN: $WIRT_OCI_BIN, or wirt-oci next to
$WIRT_BIN).

Nothing is pulled and nothing leaves the machine: containers run from a busybox root
filesystem (ocibundle.make_rootfs) with no network (Podman `--network none`, ctr's
default of an empty network namespace). Each client gets private state under one tmp
dir, so the host's own Podman and containerd state is not touched:

- Podman: --root/--runroot, a generated containers.conf (CONTAINERS_CONF: cgroupfs,
  no events, file locks instead of the host-wide /dev/shm/libpod_lock, its own tmp_dir
  and network config dir, ulimits the host's hard limits allow), storage.conf and
  registries.conf, and a cgroup parent of its own;
- containerd: its own daemon (root, state, sockets under the tmp dir, no CRI plugin),
  an OCI image archive written here from the rootfs and imported with `ctr image
  import`, runc root, FIFO dir and cgroup parent of its own.

Every process a container runs carries an environment variable with a token of the
tmp dir (WIRT_OCI_IT=<token>), so that what a runtime leaves running is found by its
environment, whatever its cgroup or command line. Teardown kills it, unmounts what is
mounted under the tmp dir, removes the cgroup parent, reports what it had to clean.
"""
import glob
import gzip
import hashlib
import io
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time

import pytest

import ocibundle
from conftest import proc_alive, proc_cmdline, proc_describe, read_text, show

RUNTIME = os.environ.get("OCI_RUNTIME") or ocibundle.WIRT_OCI_BIN
TIMEOUT = 60
CGROUP_ROOT = "/sys/fs/cgroup"
TOKEN_VAR = "WIRT_OCI_IT"


def need_root_and_runtime():
    if os.geteuid() != 0:
        pytest.skip("Podman and containerd run containers as root here: run the tests as root")
    if not os.access(RUNTIME, os.X_OK):
        pytest.skip(f"no OCI runtime at {RUNTIME}: build wirt-oci, or set OCI_RUNTIME "
                    "(or WIRT_OCI_BIN)")


def need_programs(*names):
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (scripts/setup.sh --test)")


def run(argv, timeout=TIMEOUT, input=None, env=None, check=False, what=None):
    """Runs argv (text in and out, stdin from /dev/null unless 'input'); a timeout
    fails the test naming the command instead of hanging the suite."""
    argv = [str(a) for a in argv]
    try:
        cp = subprocess.run(argv, capture_output=True, encoding="utf-8", errors="replace",
                            timeout=timeout, input=input, env=env,
                            stdin=subprocess.DEVNULL if input is None else None)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else e.stdout
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr
        pytest.fail(f"timed out after {timeout}s: {' '.join(argv)}\n  stdout: {out!r}\n"
                    f"  stderr: {err!r}")
    if check and cp.returncode != 0:
        pytest.fail((what or "command failed") + show(cp))
    return cp


def run_on_pty(argv, timeout=TIMEOUT, env=None):
    """Runs argv with a new pty as its stdin, stdout and stderr (ctr -t wants its own
    stdin to be a terminal); returns a CompletedProcess with what it wrote (stderr
    empty: it went to the same terminal)."""
    import pty
    import select
    argv = [str(a) for a in argv]
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                             start_new_session=True)
    finally:
        os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                p.kill()
                p.wait()
                pytest.fail(f"timed out after {timeout}s: {' '.join(argv)}\n  output: {out!r}")
            r, _, _ = select.select([master], [], [], min(left, 0.2))
            if r:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: every slave end closed
                    data = b""
                if not data:
                    break
                out += data
            elif p.poll() is not None:
                # exited; whatever its children still hold open is drained above
                r, _, _ = select.select([master], [], [], 0.2)
                if not r:
                    break
        p.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        os.close(master)
    return subprocess.CompletedProcess(argv, p.returncode,
                                       out.decode(errors="replace"), "")


def quiet(argv, timeout=TIMEOUT, env=None):
    """Runs argv for cleanup: never fails, never raises."""
    try:
        return subprocess.run([str(a) for a in argv], capture_output=True, encoding="utf-8",
                              errors="replace", timeout=timeout, env=env,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as e:
        return subprocess.CompletedProcess(argv, 127, "", f"{type(e).__name__}: {e}")


def wait_for(predicate, timeout, what, interval=0.1):
    """Polls predicate() until it returns a true value; fails naming 'what'."""
    deadline = time.monotonic() + timeout
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
        time.sleep(interval)


def cgroup_v1():
    return os.path.isdir(os.path.join(CGROUP_ROOT, "pids"))


def cgroup_limits_script():
    """A shell script printing the memory, cpu and pids limits of the cgroup the
    container sees as its own (v1: one mount per controller; v2: the unified one)."""
    return ("if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then "
            "echo layout=v1; "
            "echo memory=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes); "
            "echo cpu=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) "
            "$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us); "
            "echo pids=$(cat /sys/fs/cgroup/pids/pids.max); "
            "else echo layout=v2; "
            "echo memory=$(cat /sys/fs/cgroup/memory.max); "
            "echo cpu=$(cat /sys/fs/cgroup/cpu.max); "
            "echo pids=$(cat /sys/fs/cgroup/pids.max); fi")


def parse_limits(text):
    """cgroup_limits_script()'s output as {'layout', 'memory', 'cpu': quota/period,
    'pids'} (cpu None for no quota)."""
    vals = {}
    for line in text.splitlines():
        if "=" in line:
            k, v = line.strip().split("=", 1)
            vals[k] = v.strip()
    out = {"layout": vals.get("layout"), "memory": vals.get("memory"),
           "pids": vals.get("pids"), "cpu": None}
    cpu = (vals.get("cpu") or "").split()
    if len(cpu) == 2 and cpu[0] not in ("max", "-1"):
        try:
            out["cpu"] = int(cpu[0]) / int(cpu[1])
        except (ValueError, ZeroDivisionError):
            out["cpu"] = vals.get("cpu")
    return out


def host_cgroup_limits(pid):
    """The same limits read on the host, from the cgroups /proc/PID/cgroup names."""
    text = read_text(f"/proc/{pid}/cgroup") or ""
    paths = {}
    for line in text.splitlines():
        _, ctrls, path = line.split(":", 2)
        for c in ctrls.split(",") if ctrls else [""]:
            paths[c] = path
    if cgroup_v1():
        def rd(ctrl, f):
            return (read_text(f"{CGROUP_ROOT}/{ctrl}{paths.get(ctrl, '?')}/{f}") or "").strip()
        return parse_limits(f"layout=v1\nmemory={rd('memory', 'memory.limit_in_bytes')}\n"
                            f"cpu={rd('cpu', 'cpu.cfs_quota_us')} {rd('cpu', 'cpu.cfs_period_us')}\n"
                            f"pids={rd('pids', 'pids.max')}\n")
    d = f"{CGROUP_ROOT}{paths.get('', '?')}"
    def rd2(f):
        return (read_text(f"{d}/{f}") or "").strip()
    return parse_limits(f"layout=v2\nmemory={rd2('memory.max')}\ncpu={rd2('cpu.max')}\n"
                        f"pids={rd2('pids.max')}\n")


def cap_mask(status_text, field):
    for line in status_text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1], 16)
    raise AssertionError(f"no {field} in /proc/self/status output: {status_text!r}")


CAP_CHOWN = 0
CAP_NET_RAW = 13


# ---- what a client and its runtime leave on the host --------------------------------


class HostTraces:
    """The host-side traces of one client's tmp dir: mounts under it, processes naming
    it on their command line (conmon, containerd, shims) or carrying its token in their
    environment (everything a container ran), and the containers' cgroups in its cgroup
    parent. The parent itself and the cgroups named in 'cgroup_ignore' (conmon's) are
    the client's, not the runtime's: removed at the end, never reported. Processes in
    'keep' (the client's daemon) are not counted while it is meant to run."""

    def __init__(self, tmp, token, cgroup_parent, cgroup_ignore=()):
        self.tmp = tmp
        self.token = token
        self.cgroup_parent = cgroup_parent
        self.cgroup_ignore = set(cgroup_ignore)
        self.keep = set()

    def mounts(self):
        """Mount points under the tmp dir, innermost last."""
        found = []
        for line in (read_text("/proc/self/mountinfo") or "").splitlines():
            f = line.split()
            if len(f) > 4:
                mnt = f[4].replace("\\040", " ")
                if mnt == self.tmp or mnt.startswith(self.tmp + "/"):
                    found.append(mnt)
        return found

    def token_procs(self):
        me = os.getpid()
        needle = f"{TOKEN_VAR}={self.token}".encode()
        found = []
        for p in os.listdir("/proc"):
            if not p.isdigit() or int(p) == me:
                continue
            try:
                with open(f"/proc/{p}/environ", "rb") as f:
                    env = f.read()
            except OSError:
                continue
            if needle in env.split(b"\0") and proc_alive(int(p)):
                found.append(int(p))
        return found

    def tmp_procs(self):
        me = os.getpid()
        return [int(p) for p in os.listdir("/proc")
                if p.isdigit() and int(p) != me and int(p) not in self.keep
                and self.tmp in proc_cmdline(int(p)) and proc_alive(int(p))]

    def cgroup_dirs(self):
        pattern = f"{CGROUP_ROOT}/*{self.cgroup_parent}" if cgroup_v1() \
            else f"{CGROUP_ROOT}{self.cgroup_parent}"
        return sorted(d for d in glob.glob(pattern) if os.path.isdir(d))

    def container_cgroups(self):
        """Cgroups below the parent (in any hierarchy) but those of cgroup_ignore."""
        found = []
        for d in self.cgroup_dirs():
            for e in sorted(os.listdir(d)):
                if e not in self.cgroup_ignore and os.path.isdir(os.path.join(d, e)):
                    found.append(os.path.join(d, e))
        return found

    def cgroup_procs(self):
        pids = set()
        for d in self.cgroup_dirs():
            for f in glob.glob(os.path.join(d, "**", "cgroup.procs"), recursive=True):
                pids.update(int(x) for x in (read_text(f) or "").split())
        return sorted(p for p in pids if proc_alive(p) and p not in self.keep)

    def leftovers(self, cgroups=True, mounts=True):
        found = [f"process of a container: {proc_describe(p)}" for p in self.token_procs()]
        found += [f"process naming {self.tmp}: {proc_describe(p)}" for p in self.tmp_procs()]
        found += [f"process in cgroup {self.cgroup_parent}: {proc_describe(p)}"
                  for p in self.cgroup_procs() if p not in self.token_procs()]
        if mounts:
            found += [f"mount: {m}" for m in self.mounts()]
        if cgroups:
            found += [f"cgroup: {d}" for d in self.container_cgroups()]
        return found

    def kill_all(self):
        for _ in range(3):
            pids = set(self.token_procs()) | set(self.tmp_procs()) | set(self.cgroup_procs())
            if not pids:
                return
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.3)

    def unmount_all(self):
        for mnt in reversed(self.mounts()):
            quiet(["umount", mnt], timeout=20)
        for mnt in reversed(self.mounts()):
            quiet(["umount", "-l", mnt], timeout=20)

    def remove_cgroups(self, parent=True):
        for d in (self.cgroup_dirs() if parent else self.container_cgroups()):
            for sub, _, _ in sorted(os.walk(d), key=lambda t: -len(t[0])):
                try:
                    os.rmdir(sub)
                except OSError:
                    pass

    def force_clean(self):
        self.kill_all()
        self.unmount_all()
        self.remove_cgroups(parent=False)

    def remove_tmp(self):
        """Removes the tmp dir unless something is still mounted under it (rmtree would
        descend into the mount)."""
        if self.mounts():
            return False
        shutil.rmtree(self.tmp, ignore_errors=True)
        return not os.path.exists(self.tmp)


def settle(traces, timeout=5, **kw):
    """What traces.leftovers() still lists after giving exiting processes a moment."""
    deadline = time.monotonic() + timeout
    left = traces.leftovers(**kw)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = traces.leftovers(**kw)
    return left


class HostDirs:
    """Host directories a client creates outside our tmp dir whatever we configure
    (Podman 4.3: /run/containers/networks; containerd 1.6 shims: /run/containerd/s):
    removed at the end when they did not exist before and are empty by then."""

    def __init__(self, *paths):
        self.new = [p for p in paths if not os.path.lexists(p)]

    def remove_if_empty(self):
        for p in self.new:
            for sub, _, _ in sorted(os.walk(p), key=lambda t: -len(t[0])):
                try:
                    os.rmdir(sub)
                except OSError:
                    pass


def finish(traces, problems, dirs=None):
    """The end of a client's life: find what is left, clean it by hand, remove the
    tmp dir; fails (in teardown) listing whatever had to be cleaned by hand."""
    traces.keep.clear()
    left = settle(traces)
    problems = list(problems) + left
    if left:
        traces.force_clean()
        still = traces.leftovers()
        problems += ["STILL THERE after forced cleanup: " + s for s in still]
    traces.remove_cgroups()
    problems += [f"cgroup not removed: {d}" for d in traces.cgroup_dirs()]
    if not traces.remove_tmp():
        problems.append(f"{traces.tmp} not removed (mounts are left under it)")
    if dirs:
        dirs.remove_if_empty()
    if problems:
        pytest.fail("left on the host after the tests:\n  " + "\n  ".join(problems),
                    pytrace=False)


# ---- Podman -------------------------------------------------------------------------


class Podman:
    """podman with private storage, configuration and cgroup parent, running
    containers with RUNTIME from a busybox rootfs (`--rootfs`), without network."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.tmp = tempfile.mkdtemp(prefix="wirt-oci-podman-")
        os.chmod(self.tmp, 0o755)
        self.token = secrets.token_hex(8)
        self.cgroup_parent = f"/wirt-oci-podman-{self.token}"
        # conmon's cgroup is <parent>/conmon; Podman never removes a parent
        self.traces = HostTraces(self.tmp, self.token, self.cgroup_parent,
                                 cgroup_ignore=("conmon",))
        self.host_dirs = HostDirs("/run/containers")
        self.root = os.path.join(self.tmp, "root")
        self.runroot = os.path.join(self.tmp, "runroot")
        for d in ("tmp", "networks", "volumes", "imagetmp"):
            os.makedirs(os.path.join(self.tmp, d))
        self.rootfs = ocibundle.make_rootfs(os.path.join(self.tmp, "rootfs"))
        conf = os.path.join(self.tmp, "containers.conf")
        with open(conf, "w") as f:
            f.write(f"""\
[containers]
log_driver = "k8s-file"
# Podman's default nofile/nproc limits (1048576) exceed hard limits some hosts set.
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
       "{TOKEN_VAR}={self.token}"]
netns = "none"

[network]
network_config_dir = "{self.tmp}/networks"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "none"
# not the host-wide /dev/shm/libpod_lock: a fresh runroot would free all its locks
lock_type = "file"
tmp_dir = "{self.tmp}/tmp"
volume_path = "{self.tmp}/volumes"
image_copy_tmp_dir = "{self.tmp}/imagetmp"
""")
        storage = os.path.join(self.tmp, "storage.conf")
        with open(storage, "w") as f:
            # vfs: containers run from --rootfs, no image layers to share, and vfs
            # mounts nothing (overlay bind-mounts its home on the host)
            f.write(f'[storage]\ndriver = "vfs"\nrunroot = "{self.runroot}"\n'
                    f'graphroot = "{self.root}"\n')
        registries = os.path.join(self.tmp, "registries.conf")
        with open(registries, "w") as f:
            f.write("unqualified-search-registries = []\n")
        self.env = dict(os.environ, CONTAINERS_CONF=conf, CONTAINERS_STORAGE_CONF=storage,
                        CONTAINERS_REGISTRIES_CONF=registries,
                        TMPDIR=os.path.join(self.tmp, "imagetmp"))

    def argv(self, *args):
        return ["podman", "--root", self.root, "--runroot", self.runroot,
                "--tmpdir", os.path.join(self.tmp, "tmp"), "--cgroup-manager", "cgroupfs",
                "--events-backend", "none", "--runtime", self.runtime, *args]

    def __call__(self, *args, check=True, timeout=TIMEOUT, input=None):
        return run(self.argv(*args), timeout=timeout, input=input, env=self.env,
                   check=check, what=f"podman {args[0] if args else ''} failed")

    def run(self, *opts, cmd, check=False, timeout=TIMEOUT, input=None):
        """podman run OPTS --rootfs ROOTFS CMD..., without network, in our cgroup
        parent. Not checked by default: tests look at the exit status."""
        return self("run", "--network", "none", "--cgroup-parent", self.cgroup_parent,
                    *opts, "--rootfs", self.rootfs, *cmd, check=check, timeout=timeout,
                    input=input)

    def inspect(self, name, fmt):
        return self("inspect", "--format", fmt, name).stdout.strip()

    def state(self, name):
        return self.inspect(name, "{{.State.Status}}")

    def wait_running(self, name, marker=None, timeout=20):
        """Waits until container 'name' runs and, with 'marker', until its log holds it."""
        wait_for(lambda: self.state(name) == "running", timeout, f"container {name} to run")
        if marker is not None:
            wait_for(lambda: marker in self("logs", name, check=False).stdout, timeout,
                     f"{marker!r} in the log of container {name}")

    def container_names(self):
        cp = self("ps", "-a", "--format", "{{.Names}}", check=False)
        return cp.stdout.split()

    def remove_all(self):
        return quiet(self.argv("rm", "-a", "-f", "-t", "0"), env=self.env)

    def close(self):
        problems = []
        cp = self.remove_all()
        if cp.returncode != 0:
            problems.append("teardown: podman rm -a -f failed" + show(cp))
        cp = quiet(self.argv("system", "reset", "-f"), env=self.env, timeout=120)
        if cp.returncode != 0:
            problems.append("teardown: podman system reset -f failed" + show(cp))
        # Podman's own storage mounts (the overlay driver's private bind mount of its
        # home) are Podman's business, not the runtime's: unmount them quietly.
        self.traces.unmount_all()
        finish(self.traces, problems, self.host_dirs)


# ---- containerd ---------------------------------------------------------------------


def go_arch():
    m = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386",
            "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}.get(m, m)


def write_oci_archive(rootfs, path, name):
    """An OCI image layout tarball at 'path' holding one image 'name' (a full
    reference, e.g. docker.io/wirttest/busybox:latest) whose one layer is 'rootfs'.
    Written here rather than with `podman save`, so that containerd's tests need
    nothing but containerd."""
    blobs = {}

    def add_blob(data):
        digest = hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return {"digest": f"sha256:{digest}", "size": len(data)}

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        for entry in sorted(os.listdir(rootfs)):
            t.add(os.path.join(rootfs, entry), arcname=entry)
    diff_id = "sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()
    layer = add_blob(gzip.compress(raw.getvalue(), compresslevel=1, mtime=0))
    layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
    config = add_blob(json.dumps({
        "architecture": go_arch(), "os": "linux",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": ["/bin/sh"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": "wirt tests: busybox rootfs"}],
    }).encode())
    config["mediaType"] = "application/vnd.oci.image.config.v1+json"
    manifest = add_blob(json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config, "layers": [layer]}).encode())
    manifest["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    manifest["platform"] = {"architecture": go_arch(), "os": "linux"}
    manifest["annotations"] = {"io.containerd.image.name": name,
                               "org.opencontainers.image.ref.name": name.rsplit(":", 1)[-1]}
    index = json.dumps({"schemaVersion": 2,
                        "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": [manifest]}).encode()

    def add_file(t, arcname, data):
        info = tarfile.TarInfo(arcname)
        info.size = len(data)
        info.mode = 0o644
        t.addfile(info, io.BytesIO(data))

    with tarfile.open(path, "w") as t:
        add_file(t, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add_file(t, "index.json", index)
        for digest, data in blobs.items():
            add_file(t, f"blobs/sha256/{digest}", data)
    return path


class Containerd:
    """A containerd daemon of our own (root, state and sockets under the tmp dir) with
    a busybox image imported; `ctr run` runs RUNTIME through containerd-shim-runc-v2
    with its runc root, FIFOs and cgroup parent ours too."""

    NAMESPACE = "wirttest"
    IMAGE = "docker.io/wirttest/busybox:latest"

    def __init__(self, runtime):
        self.runtime = runtime
        self.tmp = tempfile.mkdtemp(prefix="wirt-oci-ctrd-")
        os.chmod(self.tmp, 0o755)
        self.token = secrets.token_hex(8)
        self.cgroup_parent = f"/wirt-oci-ctrd-{self.token}"
        self.traces = HostTraces(self.tmp, self.token, self.cgroup_parent)
        self.host_dirs = HostDirs("/run/containerd")
        self.sock = os.path.join(self.tmp, "containerd.sock")
        self.runc_root = os.path.join(self.tmp, "runc")
        self.fifo_dir = os.path.join(self.tmp, "fifo")
        self.ids = set()
        self.proc = None
        self.log_path = os.path.join(self.tmp, "containerd.log")
        self.config = os.path.join(self.tmp, "config.toml")
        with open(self.config, "w") as f:
            f.write(f"""\
version = 2
root = "{self.tmp}/root"
state = "{self.tmp}/state"
plugin_dir = ""
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
                    "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.snapshotter.v1.devmapper",
                    "io.containerd.tracing.processor.v1.otlp",
                    "io.containerd.internal.v1.tracing"]

[grpc]
  address = "{self.sock}"

[ttrpc]
  address = "{self.sock}.ttrpc"

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "{self.tmp}/opt"
""")

    def start(self):
        log = open(self.log_path, "w")
        try:
            self.proc = subprocess.Popen(["containerd", "--config", self.config],
                                         stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()
        self.traces.keep.add(self.proc.pid)

        def ready():
            if self.proc.poll() is not None:
                pytest.fail(f"containerd exited with {self.proc.returncode}:\n"
                            + (read_text(self.log_path) or "")[-3000:])
            return quiet(["ctr", "-a", self.sock, "version"], timeout=10).returncode == 0
        wait_for(ready, 30, "containerd to answer on its socket", interval=0.2)

    def log_tail(self, n=3000):
        return (read_text(self.log_path) or "")[-n:]

    def ctr_argv(self, *args):
        return ["ctr", "-a", self.sock, "-n", self.NAMESPACE, *args]

    def __call__(self, *args, check=True, timeout=TIMEOUT, input=None, tty=False):
        """ctr ARGS; with 'tty' on a pty of its own (for -t), output in stdout."""
        if tty:
            cp = run_on_pty(self.ctr_argv(*args), timeout=timeout)
            if check and cp.returncode != 0:
                pytest.fail(f"ctr {' '.join(args[:2])} failed" + show(cp))
            return cp
        return run(self.ctr_argv(*args), timeout=timeout, input=input, check=check,
                   what=f"ctr {' '.join(args[:2])} failed")

    def import_image(self):
        rootfs = ocibundle.make_rootfs(os.path.join(self.tmp, "image-rootfs"))
        archive = write_oci_archive(rootfs, os.path.join(self.tmp, "busybox-oci.tar"),
                                    self.IMAGE)
        self("image", "import", archive, timeout=120)
        images = self("image", "ls", "-q").stdout.split()
        assert self.IMAGE in images, f"ctr image import did not add {self.IMAGE}: {images}"

    def run(self, cid, *cmd, detach=False, rm=False, opts=(), check=False,
            timeout=TIMEOUT, tty=False):
        """ctr run [--rm|-d] ... IMAGE CID CMD... with RUNTIME as the runc binary."""
        self.ids.add(cid)
        mode = ["-d"] if detach else (["--rm"] if rm else [])
        return self("run", *mode, "--runc-binary", self.runtime, "--runc-root", self.runc_root,
                    "--fifo-dir", self.fifo_dir, "--cgroup", f"{self.cgroup_parent}/{cid}",
                    "--env", f"{TOKEN_VAR}={self.token}", *(["-t"] if tty else []), *opts,
                    self.IMAGE, cid, *cmd, check=check, timeout=timeout, tty=tty)

    def exec(self, cid, exec_id, *cmd, opts=(), check=True, timeout=TIMEOUT, input=None,
             tty=False):
        """ctr task exec --exec-id EXEC_ID [OPTS] CID CMD..., FIFOs in our tmp dir."""
        return self("task", "exec", "--exec-id", exec_id, "--fifo-dir", self.fifo_dir,
                    *(["--tty"] if tty else []), *opts, cid, *cmd, check=check,
                    timeout=timeout, input=input, tty=tty)

    def tasks(self):
        """{container id: (pid, status)} from `ctr task ls`."""
        out = self("task", "ls").stdout.splitlines()
        tasks = {}
        for line in out[1:]:
            f = line.split()
            if len(f) >= 3:
                tasks[f[0]] = (int(f[1]), f[2])
        return tasks

    def task_status(self, cid):
        return self.tasks().get(cid, (None, None))[1]

    def containers(self):
        return self("container", "ls", "-q", check=False).stdout.split()

    def remove_all(self):
        """Kills and deletes every task and container of our namespace; the problems
        met, as text."""
        problems = []
        for cid in self.containers():
            quiet(self.ctr_argv("task", "kill", "-a", "-s", "SIGKILL", cid), timeout=20)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                cp = quiet(self.ctr_argv("task", "ls"), timeout=20)
                if not any(l.split()[:1] == [cid] and "RUNNING" in l
                           for l in cp.stdout.splitlines()):
                    break
                time.sleep(0.1)
            quiet(self.ctr_argv("task", "rm", "-f", cid), timeout=30)
            cp = quiet(self.ctr_argv("container", "rm", cid), timeout=30)
            if cp.returncode != 0:
                problems.append(f"teardown: ctr container rm {cid} failed" + show(cp))
        return problems

    def shim_sockets(self):
        """The sockets containerd 1.6 shims make under /run/containerd/s for our
        containers (sha256 of address/namespace/id): a SIGKILLed shim leaves them."""
        return [f"/run/containerd/s/{hashlib.sha256(os.path.join(self.sock, self.NAMESPACE, cid).encode()).hexdigest()}"
                for cid in self.ids]

    def close(self):
        problems = []
        if self.proc is not None and self.proc.poll() is None:
            problems += self.remove_all()
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                problems.append("teardown: containerd did not stop on SIGTERM in 15s")
                self.proc.kill()
                self.proc.wait(timeout=15)
        # Shims outlive containerd by design: any left is reported by finish().
        left = settle(self.traces, mounts=False, cgroups=False)
        if left:
            self.traces.kill_all()
        # containerd's own snapshot and rootfs mounts go with it: not the runtime's.
        self.traces.unmount_all()
        for s in self.shim_sockets():
            if os.path.exists(s):
                try:
                    os.unlink(s)
                except OSError:
                    pass
        finish(self.traces, problems + left, self.host_dirs)
