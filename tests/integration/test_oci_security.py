# SPDX-License-Identifier: LGPL-2.1-or-later
"""
Security of containers made from the runtime's own default `spec`, checked from the
inside, with the bundle run directly through the runtime's runc command line:

- capabilities: /proc/self/status holds the sets config.json names, no more, no less;
- linux.maskedPaths are masked, linux.readonlyPaths are read-only (EROFS);
- CVE-2019-5736: the container cannot write the runtime's binary through
  /proc/PID/exe of a runtime process it can see (nor through /proc/self/exe of a
  process running the runtime's binary), and the binary is unchanged afterwards;
- no file descriptor of the runtime reaches the container, neither init nor exec,
  except those --preserve-fds asks for;
- CVE-2024-21626: a process.cwd (or exec --cwd) of /proc/self/fd/N or one that
  escapes through `..` or a symlink leaves no process with a cwd outside the rootfs;
- init's mount table holds only what config.json lists.

The runtime is $OCI_RUNTIME, else wirt-oci as ocibundle.py finds it (the harness is
test_oci_compat.py's). Checks that runc 1.1 would fail are named where they are.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import time

import pytest

from test_oci_compat import RUNTIME, need_root_and, runtimes  # noqa: F401

CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
        "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
        "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"]  # bit i is CAPS[i]


@pytest.fixture
def rt(runtimes):  # noqa: F811 - the fixture imported above
    need_root_and(RUNTIME)
    return runtimes(RUNTIME)


def show(r, what=""):
    return f"{what}\n  exit {r.rc}\n  stdout: {r.out!r}\n  stderr: {r.err!r}"


def bundle(rt, name, script, edit=None):
    """A bundle from the runtime's own `spec`, running `sh -c SCRIPT`; its
    /etc/hostname is a marker of this container. Returns (path, config)."""
    path = rt.bundle(name, args=("sh", "-c", script), edit=edit)
    with open(os.path.join(path, "rootfs/etc/hostname"), "w") as f:
        f.write(marker(rt) + "\n")
    with open(os.path.join(path, "config.json")) as f:
        return path, json.load(f)


def marker(rt):
    return f"container-{rt.token}"


def run(rt, name, script, edit=None, args=(), wrap=None):
    """`run` in the foreground: stdin a pipe (closed at once), stdout and stderr pipes.
    Returns (Result, config)."""
    path, cfg = bundle(rt, name, script, edit)
    r = rt("run", *args, "--bundle", path, rt.id(name), input="", wrap=wrap)
    return r, cfg


def run_ok(rt, name, script, edit=None, args=(), wrap=None):
    r, cfg = run(rt, name, script, edit, args, wrap)
    assert r.rc == 0, show(r, f"run {name} failed")
    return r.out, cfg


def start_detached(rt, name, script="sleep 1000", edit=None):
    """`run --detach` (stdio /dev/null and files); returns (id, bundle, config)."""
    path, cfg = bundle(rt, name, script, edit)
    cid = rt.id(name)
    r = rt("run", "--detach", "--bundle", path, cid, detached=True)
    assert r.rc == 0, show(r, f"run --detach {name} failed")
    assert rt.status(cid) == "running", rt.state(cid)
    return cid, path, cfg


def exec_in(rt, cid, script, *flags, **kw):
    return rt("exec", *flags, cid, "sh", "-c", script, input=kw.pop("input", ""), **kw)


# ---- (a) capabilities -----------------------------------------------------------------


def cap_names(mask):
    return {CAPS[i] if i < len(CAPS) else f"bit {i}" for i in range(64) if mask >> i & 1}


def status_caps(text):
    caps = {}
    for line in text.splitlines():
        m = re.match(r"Cap(Inh|Prm|Eff|Bnd|Amb):\s+([0-9a-f]+)$", line)
        if m:
            caps[m.group(1)] = cap_names(int(m.group(2), 16))
    assert len(caps) == 5, text
    return caps


def expected_caps(process, uid0=True):
    """What the kernel leaves a process with the config's sets after execve. Ambient
    capabilities can only be raised when permitted and inheritable (prctl
    PR_CAP_AMBIENT_RAISE), so those are the ambient set there is: runc's default spec
    lists three ambient capabilities and no inheritable ones (since CVE-2022-29162),
    hence an empty CapAmb under runc and every runtime. A non-root user keeps only
    the ambient set across execve."""
    c = process.get("capabilities") or {}
    sets = {k: set(c.get(k) or []) for k in ("bounding", "effective", "permitted",
                                              "inheritable", "ambient")}
    amb = sets["ambient"] & sets["permitted"] & sets["inheritable"]
    if uid0:
        return {"Bnd": sets["bounding"], "Eff": sets["effective"], "Prm": sets["permitted"],
                "Inh": sets["inheritable"], "Amb": amb}
    return {"Bnd": sets["bounding"], "Eff": amb, "Prm": amb, "Inh": sets["inheritable"],
            "Amb": amb}


def assert_caps(caps, want, who):
    bad = [f"Cap{k}: {sorted(caps[k])} but config.json gives {sorted(want[k])}"
           f" (extra {sorted(caps[k] - want[k])}, missing {sorted(want[k] - caps[k])})"
           for k in want if caps[k] != want[k]]
    assert not bad, f"{who}:\n  " + "\n  ".join(bad)


def test_capabilities_are_the_configs(rt):
    out, cfg = run_ok(rt, "caps", "cat /proc/self/status")
    proc = cfg["process"]
    c = proc["capabilities"]
    # root execve sets permitted = bounding | inheritable: the equality below is the
    # config's only when the default set is consistent, as `spec` writes it.
    assert set(c["permitted"]) == set(c["effective"]) == set(c["bounding"]), c
    assert proc["user"]["uid"] == 0
    assert_caps(status_caps(out), expected_caps(proc), "init")
    assert "CAP_SYS_ADMIN" not in cap_names(int(re.search(r"CapBnd:\s+(\w+)", out)
                                                 .group(1), 16))
    assert re.search(r"^NoNewPrivs:\s+1$", out, re.M), "noNewPrivileges: " + out

    cid, _, cfg = start_detached(rt, "caps-exec")
    r = exec_in(rt, cid, "cat /proc/self/status")
    assert r.rc == 0, show(r, "exec")
    assert_caps(status_caps(r.out), expected_caps(cfg["process"]), "exec'd process")
    r = exec_in(rt, cid, "cat /proc/self/status", "--user", "1000:1000")
    assert r.rc == 0, show(r, "exec --user 1000:1000")
    assert_caps(status_caps(r.out), expected_caps(cfg["process"], uid0=False),
                "exec'd process of uid 1000")


# ---- (b) masked and read-only paths ----------------------------------------------------

MOUNTS_SCRIPT = 'cat /proc/self/mountinfo; echo "-- probes"; '

MASK_PROBE = """
for p in {paths}; do
  if [ -d "$p" ]; then
    echo "$p|dir|$(ls -A "$p" | wc -l)|$( {{ : >> "$p/.wirt-probe"; }} 2>&1 )"
  elif [ -e "$p" ]; then
    echo "$p|$(stat -c '%F %t:%T' "$p")|$( {{ wc -c < "$p"; }} 2>&1 )"
  else
    echo "$p|absent"
  fi
done
"""

RO_PROBE = """
for p in {paths}; do
  if [ ! -e "$p" ]; then echo "$p|absent"; continue; fi
  if [ -d "$p" ]; then files=$(find "$p" -maxdepth 3 -type f -perm -200 2>/dev/null | head -n 3)
  else files=$p; fi
  for f in $files; do echo "$p|$f|$( {{ : >> "$f"; }} 2>&1 )"; done
  echo "$p|checked"
done
"""


def mountinfo(text):
    """(mount point, root, fstype, per-mount options, super options, major:minor)"""
    mounts = []
    for line in text.splitlines():
        f = line.split()
        if len(f) < 10 or "-" not in f:
            continue
        sep = f.index("-")
        mounts.append({"point": unescape(f[4]), "root": unescape(f[3]), "dev": f[2],
                       "opts": f[5].split(","), "type": f[sep + 1],
                       "super": f[sep + 3].split(",")})
    return mounts


def unescape(s):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), s)


def covering(mounts, path):
    """The mount a path is on: the last one mounted on it or on its closest parent."""
    best = None
    for m in mounts:
        p = m["point"].rstrip("/") + "/"
        if (path.rstrip("/") + "/").startswith(p) and \
                (best is None or len(m["point"]) >= len(best["point"])):
            best = m
    return best


def quoted(paths):
    return " ".join("'" + p.replace("'", "'\\''") + "'" for p in paths)


def test_masked_paths_are_masked(rt):
    _, cfg = bundle(rt, "probe-cfg", "true")
    masked = cfg["linux"].get("maskedPaths") or []
    assert masked, "the default spec masks paths"
    out, _ = run_ok(rt, "masked", MOUNTS_SCRIPT + MASK_PROBE.format(paths=quoted(masked)))
    mounts_text, probes = out.split("-- probes\n", 1)
    mounts = mountinfo(mounts_text)
    points = {m["point"] for m in mounts}
    bad, seen = [], 0
    for line in probes.splitlines():
        path, kind, *rest = line.split("|")
        if kind == "absent":
            continue
        seen += 1
        if path not in points:
            bad.append(f"{path}: not a mount point, so not masked ({line})")
        if kind == "dir":
            entries, write = rest
            if entries.strip() != "0" or "Read-only file system" not in write:
                bad.append(f"{path}: a masked directory must be empty and read-only: {line}")
        elif kind == "character special file 1:3":  # /dev/null bound over it
            if rest[0].strip() != "0":
                bad.append(f"{path}: reads {rest[0]!r}")
        elif not (rest[0].strip() == "0" or "Permission denied" in rest[0]
                  or "No such file" in rest[0]):
            bad.append(f"{path}: neither empty nor unreadable: {line}")
    assert not bad, "\n".join(bad) + "\n" + out
    assert seen, f"none of {masked} exists here: nothing was checked\n{out}"


def test_readonly_paths_are_readonly(rt):
    _, cfg = bundle(rt, "probe-cfg", "true")
    ro = cfg["linux"].get("readonlyPaths") or []
    assert ro, "the default spec has read-only paths"
    out, _ = run_ok(rt, "ro", MOUNTS_SCRIPT + RO_PROBE.format(paths=quoted(ro)))
    mounts_text, probes = out.split("-- probes\n", 1)
    mounts = mountinfo(mounts_text)
    bad, writes = [], 0
    for line in probes.splitlines():
        path, what, *rest = line.split("|")
        if what in ("absent",):
            continue
        if what == "checked":
            m = covering(mounts, path)
            if m is None or "ro" not in m["opts"]:
                bad.append(f"{path}: on a mount that is not read-only: {m}")
            continue
        writes += 1
        if "Read-only file system" not in rest[0]:
            bad.append(f"{path}: opening {what} for writing: {rest[0] or 'succeeded'}")
    assert not bad, "\n".join(bad) + "\n" + probes
    assert writes, f"no file under {ro} could be tried\n{probes}"


# ---- (c) CVE-2019-5736: the runtime's binary ------------------------------------------


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def private_copy(rt):
    """A copy of the runtime binary (and of its sibling programs sharing its name's
    first part, `wirt-*` for wirt-oci: helpers it may run) in the test's temp dir,
    so that a runtime that fails this test overwrites a copy, not the build."""
    src = os.path.realpath(rt.bin)
    d = rt.path("bin")
    os.mkdir(d)
    stem = os.path.basename(src).split("-")[0]
    copies = {}
    for name in os.listdir(os.path.dirname(src)):
        p = os.path.join(os.path.dirname(src), name)
        if (name == os.path.basename(src) or name.startswith(stem + "-")) and \
                os.path.isfile(p) and os.access(p, os.X_OK):
            shutil.copy2(p, os.path.join(d, name))
            copies[p] = os.path.join(d, name)
    rt.bin = copies[src]
    return copies


# The watcher: inside, in a loop, every process whose /proc/PID/exe is not busybox is
# a runtime process (runc init while it sets up an exec, or the runtime's binary run
# through /proc/self/exe): open its exe for writing and write a byte; report what
# happened. Few forks a round, so that the loop is fast enough to see short-lived ones.
WATCHER = r"""
end=$(( $(date +%s) + {seconds} ))
while [ "$(date +%s)" -lt "$end" ] && [ ! -e /tmp/stop-watcher ]; do
  for d in /proc/[0-9]*; do
    [ "$d" = /proc/$$ ] && continue
    [ -e "$d/exe" ] || {{ [ -L "$d/exe" ] && echo "seen ${{d#/proc/}} exe unreachable"; continue; }}
    [ "$d/exe" -ef /bin/busybox ] && continue
    if err=$( {{ printf x 1<> "$d/exe"; }} 2>&1 ); then
      echo "WROTE ${{d#/proc/}}"
    else
      echo "seen ${{d#/proc/}} $err"
    fi
  done
done
echo watcher-done
"""

# Run as an exec: this script is interpreted by /proc/self/exe of the process that
# execs it, i.e. the runtime's own (init) binary, as in CVE-2019-5736.
SHEBANG = "#!/proc/self/exe\n"


def test_runtime_binary_not_writable_from_inside(rt):
    original = os.path.realpath(rt.bin)
    copies = private_copy(rt)
    before = {p: sha256(p) for p in list(copies) + list(copies.values())}
    cid, path, _ = start_detached(rt, "exe")
    with open(os.path.join(path, "rootfs/evil"), "w") as f:
        f.write(SHEBANG)
    os.chmod(os.path.join(path, "rootfs/evil"), 0o755)

    evil = pipe = None
    # Watcher and holder run detached (as conmon and containerd's shim run exec), with
    # their output in files: no runtime process of the test keeps the binary busy.
    watch_file = os.path.join(path, "rootfs/tmp/watcher.out")
    r = rt("exec", "--detach", cid, "sh", "-c",
           "exec >/tmp/watcher.out 2>&1; " + WATCHER.format(seconds=40))
    assert r.rc == 0, show(r, "exec --detach watcher")
    try:
        # short-lived runtime processes in the container: the runtime's init of
        # each exec; and the runtime's binary run as the interpreter of /evil, with
        # stdout and stderr a full pipe, so that it blocks on its first word (exec
        # --detach: runc copies a foreground exec's output through pipes of its own)
        for _ in range(15):
            r = rt("exec", cid, "true")
            assert r.rc == 0, show(r, "exec true")
        r_fd, w_fd = os.pipe()
        pipe = [r_fd, w_fd]
        os.set_blocking(w_fd, False)
        try:
            while os.write(w_fd, b"." * 65536):
                pass
        except BlockingIOError:
            pass
        os.set_blocking(w_fd, True)
        evil = subprocess.Popen(rt.argv("exec", "--detach", cid, "/evil"),
                                stdin=subprocess.DEVNULL,
                                stdout=w_fd, stderr=w_fd)
        os.close(w_fd)
        pipe = [r_fd]
        time.sleep(3)  # the watcher goes round many times meanwhile
        # hold what is there, let /evil's process go (drain the pipe), then write
        out_file = os.path.join(path, "rootfs/tmp/holder.out")
        r = rt("exec", "--detach", cid, "sh", "-c",
               "exec >/tmp/holder.out 2>&1; " + HOLD_AND_WRITE)
        assert r.rc == 0, show(r, "exec --detach holder")
        wait_file(out_file, "holding-done", 20)
        drained = drain(r_fd, evil, timeout=20)
        pipe = None
        held = wait_file(out_file, "write-done", 30)
        with open(os.path.join(path, "rootfs/tmp/stop-watcher"), "w"):
            pass
        out = wait_file(watch_file, "watcher-done", 30)
    finally:
        for p in (evil,):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(10)
        for fd in pipe or ():
            try:
                os.close(fd)
            except OSError:
                pass
    after = {p: sha256(p) for p in before}
    assert after == before, f"the runtime binary changed: before {before}, after {after}"
    assert "WROTE" not in out and "WROTE" not in held, \
        f"a runtime process's exe was written from inside:\n{summarise(out)}\n{held}"
    assert "watcher-done" in out, summarise(out)
    assert "write-done" in held, held
    # what was seen, for the record (runc 1.1: runc init processes, exe EACCES since
    # they are not dumpable; /evil fails, as runc init's /proc/self/exe is a file on
    # a detached read-only mount)
    print(f"runtime {original}: watcher saw:\n{summarise(out)}\nholder: {held}"
          f"/evil: exit {evil.returncode}, then {drained[65536:][-300:]!r}")


def wait_file(path, marker, timeout):
    """The text of 'path' once it holds 'marker' (or what it holds at the timeout)."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        try:
            with open(path) as f:
                text = f.read()
        except FileNotFoundError:
            pass
        if marker in text:
            break
        time.sleep(0.1)
    return text


def read_lines(stream, lines, holding):
    for line in stream:
        lines.append(line)
        if line.startswith("holding-done"):
            holding.set()
    holding.set()


def drain(fd, proc, timeout):
    """Reads the pipe 'fd' until its writers are gone (or 'timeout'); kills 'proc'
    if it is still there then. Returns what was read."""
    os.set_blocking(fd, False)
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            time.sleep(0.05)
            continue
        if not chunk:
            break
        data += chunk
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)
    os.close(fd)
    return data


# Holds every runtime process's exe open for reading (as the exploit does with O_PATH),
# then, once those processes are gone, tries to write through /proc/self/fd/N.
HOLD_AND_WRITE = r"""
n=3
for d in /proc/[0-9]*; do
  [ "$d" = /proc/$$ ] && continue
  [ -e "$d/exe" ] && [ ! "$d/exe" -ef /bin/busybox ] || continue
  if eval "exec $n< $d/exe" 2>/dev/null; then
    echo "holding ${d#/proc/} as $n"; n=$((n+1)); [ $n -gt 9 ] && break
  fi
done
echo holding-done
# Write once nothing runs the binary any more, inside or outside (ETXTBSY until
# then): the holder runs detached, so no runtime process of the test is left on the
# host either, and an attacker has all the time it needs.
k=3
while [ $k -lt $n ]; do
  i=0
  while [ $i -lt 100 ]; do
    if err=$( { printf x 1<> /proc/self/fd/$k; } 2>&1 ); then echo "WROTE via fd $k"; break; fi
    case "$err" in *busy*) sleep 0.1; i=$((i+1));; *) break;; esac
  done
  echo "fd $k: ${err:-written} after $i tries"
  k=$((k+1))
done
echo write-done
"""


def summarise(out):
    kinds = {}
    for line in out.splitlines():
        key = re.sub(r"/proc/\d+/", "/proc/PID/", re.sub(r"^seen \d+ ", "seen ", line))
        kinds[key] = kinds.get(key, 0) + 1
    return "\n".join(f"  {n} x {k}" for k, n in kinds.items())


# ---- (d) file descriptors --------------------------------------------------------------

FDS = 'ls -l /proc/$$/fd; true'
# The runtime is started through a shell that opens two host files as fds 3 and 4.
OPEN_FDS = ["/bin/sh", "-c", 'exec 3<"$1" 4<"$2"; shift 2; exec "$@"', "sh"]


def fds(out):
    """{fd: target} from `ls -l /proc/PID/fd`."""
    found = {}
    for line in out.splitlines():
        m = re.search(r" (\d+) -> (.*)$", line)
        if m:
            found[int(m.group(1))] = m.group(2)
    return found


def host_files(rt):
    paths = []
    for name in ("fd3-secret", "fd4-secret"):
        p = rt.path(name)
        with open(p, "w") as f:
            f.write("host only\n")
        paths.append(p)
    return paths


def assert_stdio_only(found, out, who):
    assert set(found) == {0, 1, 2}, f"{who} has fds {found}:\n{out}"
    for fd, target in found.items():
        assert re.fullmatch(r"pipe:\[\d+\]|/dev/null", target), \
            f"{who}: fd {fd} -> {target}:\n{out}"


def test_no_fd_reaches_init(rt):
    files = host_files(rt)
    out, _ = run_ok(rt, "fds", FDS, wrap=OPEN_FDS + files)
    assert_stdio_only(fds(out), out, "init")


def test_preserve_fds_passes_exactly_those(rt):
    files = host_files(rt)
    out, _ = run_ok(rt, "fds-kept", FDS, args=("--preserve-fds", "1"), wrap=OPEN_FDS + files)
    found = fds(out)
    assert set(found) == {0, 1, 2, 3}, f"with --preserve-fds 1: {found}\n{out}"
    assert found[3].endswith("fd3-secret"), found
    # and the fd is usable inside
    out, _ = run_ok(rt, "fds-read", "cat <&3", args=("--preserve-fds", "1"),
                    wrap=OPEN_FDS + files)
    assert out == "host only\n", out


def test_no_fd_reaches_an_exec(rt):
    files = host_files(rt)
    cid, _, _ = start_detached(rt, "fds-exec")
    r = rt("exec", cid, "sh", "-c", FDS, input="", wrap=OPEN_FDS + files)
    assert r.rc == 0, show(r, "exec")
    assert_stdio_only(fds(r.out), r.out, "exec'd process")
    r = rt("exec", "--preserve-fds", "1", cid, "sh", "-c", FDS, input="",
           wrap=OPEN_FDS + files)
    assert r.rc == 0, show(r, "exec --preserve-fds 1")
    found = fds(r.out)
    assert set(found) == {0, 1, 2, 3} and found[3].endswith("fd3-secret"), \
        f"exec --preserve-fds 1: {found}\n{r.out}"
    # init, seen from the exec: still nothing but its stdio (/dev/null, files)
    r = exec_in(rt, cid, "ls -l /proc/1/fd")
    found = fds(r.out)
    assert set(found) == {0, 1, 2}, f"init of a detached container: {found}\n{r.out}"
    assert all(re.fullmatch(r"/dev/null|pipe:\[\d+\]|/.*/(out|err)\.\d+", t)
               for t in found.values()), found


# ---- (e) CVE-2024-21626: the working directory ------------------------------------------

# Where am I, and what is ../../../etc/hostname from here (far enough to climb out
# of any host directory a leaked fd could name).
WHERE = ('echo "pwd=$(pwd -P 2>&1)"; '
         'echo "same=$([ /proc/self/cwd -ef "$(pwd -P 2>/dev/null)" ] && echo yes || echo no)"; '
         'echo "hostname=$(cat ' + "../" * 12 + 'etc/hostname 2>&1)"; '
         'echo "tmp=$(ls ' + "../" * 12 + 'tmp 2>&1 | tr "\\n" " ")"')

FD_CWDS = [f"/proc/self/fd/{n}" for n in range(3, 10)]


def where(out):
    return dict(l.split("=", 1) for l in out.splitlines() if "=" in l)


def assert_inside(rt, r, cwd, want_pwd=None):
    """Either the runtime refused the cwd (non-zero exit, the script did not run),
    or the process's cwd is a directory of the container."""
    w = where(r.out)
    if r.rc != 0 and "pwd" not in w:
        return "refused"
    assert r.rc == 0, show(r, f"cwd {cwd}")
    assert w.get("pwd", "").startswith("/") and "unreachable" not in w["pwd"], \
        show(r, f"cwd {cwd}: outside the container's root")
    assert w.get("same") == "yes", show(r, f"cwd {cwd}: /proc/self/cwd is not pwd")
    assert w.get("hostname") == marker(rt), show(r, f"cwd {cwd}: the host's files are reachable")
    assert f"tmp-of-{rt.token}" in w.get("tmp", ""), show(r, f"cwd {cwd}: not the container's /tmp")
    if want_pwd:
        assert w["pwd"] == want_pwd, show(r, f"cwd {cwd}")
    return w["pwd"]


def prepare(rt, path):
    rootfs = os.path.join(path, "rootfs")
    os.symlink("/", os.path.join(rootfs, "escape"))
    os.symlink("../" * 12, os.path.join(rootfs, "up"))
    open(os.path.join(rootfs, "tmp", f"tmp-of-{rt.token}"), "w").close()


SYMLINK_CWDS = [("/escape/tmp", "/tmp"), ("/up/tmp", "/tmp"), ("/../../../../tmp", "/tmp"),
                ("/escape/up/escape/tmp", "/tmp")]


def run_with_cwd(rt, name, cwd):
    def edit(cfg):
        cfg["process"]["cwd"] = cwd
    path, _ = bundle(rt, name, WHERE, edit)
    prepare(rt, path)
    return rt("run", "--bundle", path, rt.id(name), input="")


def control(rt):
    """The same script with a plain cwd runs: a refusal below is the runtime's
    answer to the cwd, not a runtime that cannot run containers at all."""
    r = run_with_cwd(rt, "cwdctl", "/tmp")
    assert r.rc == 0, show(r, "control run with cwd /tmp failed")
    assert_inside(rt, r, "/tmp", "/tmp")


@pytest.mark.parametrize("cwd", FD_CWDS)
def test_init_cwd_proc_self_fd(rt, cwd):
    control(rt)
    r = run_with_cwd(rt, "cwdfd", cwd)
    assert_inside(rt, r, cwd)


@pytest.mark.parametrize("cwd,want", SYMLINK_CWDS)
def test_init_cwd_escaping(rt, cwd, want):
    r = run_with_cwd(rt, "cwdsym", cwd)
    assert assert_inside(rt, r, cwd, want) == want


def test_init_cwd_created_inside(rt):
    """A cwd that does not exist is made inside the rootfs, not where the symlink
    points on the host."""
    control(rt)
    name = f"wirt-escape-{rt.token}"
    try:
        r = run_with_cwd(rt, "cwdnew", f"/escape/{name}")
        made_on_host = os.path.exists(f"/{name}")
    finally:
        if os.path.isdir(f"/{name}"):
            os.rmdir(f"/{name}")
    assert not made_on_host, f"the runtime made /{name} on the host"
    if r.rc == 0:
        assert_inside(rt, r, f"/escape/{name}", f"/{name}")


def test_exec_cwd(rt):
    cid, path, _ = start_detached(rt, "cwdexec")
    prepare(rt, path)
    r = rt("exec", "--cwd", "/tmp", cid, "sh", "-c", WHERE, input="")
    assert r.rc == 0, show(r, "control: exec --cwd /tmp failed")
    assert_inside(rt, r, "/tmp", "/tmp")
    for cwd in FD_CWDS:
        assert_inside(rt, rt("exec", "--cwd", cwd, cid, "sh", "-c", WHERE, input=""), cwd)
    for cwd, want in SYMLINK_CWDS:
        r = rt("exec", "--cwd", cwd, cid, "sh", "-c", WHERE, input="")
        assert assert_inside(rt, r, cwd, want) == want


# ---- the root and the mount table of init ------------------------------------------------


def test_init_sees_only_configured_mounts(rt):
    script = ('cat /proc/1/mountinfo; echo "-- probes"; '
              'echo "root=$(cat /proc/1/root/etc/hostname)"; '
              'cd /..; echo "up=$(pwd -P)"; echo "ls=$(ls / | tr "\\n" " ")"')
    out, cfg = run_ok(rt, "mnt", script)
    mounts_text, probes = out.split("-- probes\n", 1)
    w = where(probes)
    assert w["root"] == marker(rt) and w["up"] == "/", probes
    assert "escape" not in w["ls"] and "bin" in w["ls"], probes
    mounts = mountinfo(mounts_text)
    linux = cfg["linux"]
    listed = {m["destination"].rstrip("/") or "/" for m in cfg["mounts"]}
    listed |= set(linux.get("maskedPaths") or []) | set(linux.get("readonlyPaths") or [])
    cgroup_dirs = [m["destination"] for m in cfg["mounts"] if m["type"] == "cgroup"]
    roots = [m for m in mounts if m["point"] == "/"]
    assert len(roots) == 1, mounts_text
    root = roots[0]
    rootfs = os.path.realpath(os.path.join(rt.path("mnt"), "rootfs"))
    assert root["root"].endswith(rootfs) or root["root"] == "/", root
    binds = {os.path.realpath(m["source"]) for m in cfg["mounts"]
             if "bind" in (m.get("options") or []) or m.get("type") == "bind"}
    bad = []
    for m in mounts:
        p = m["point"]
        if p == "/":
            continue
        under_cgroup = any(p.startswith(d.rstrip("/") + "/") for d in cgroup_dirs)
        if p not in listed and not under_cgroup:
            bad.append(f"{p}: not in config.json ({m['type']} {m['root']})")
        # a mount of the rootfs's filesystem shows a part of it: the rootfs's own,
        # or a bind mount config.json asks for
        if m["dev"] == root["dev"] and not (
                (m["root"] + "/").startswith(root["root"].rstrip("/") + "/") or
                any(m["root"].endswith(b) for b in binds)):
            bad.append(f"{p}: shows {m['root']} of the host's filesystem")
    assert not bad, "\n".join(bad) + "\n" + mounts_text
