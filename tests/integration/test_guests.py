# SPDX-License-Identifier: LGPL-2.1-or-later
"""
Guests beyond the busybox template: a Debian template booting systemd as PID 1 (on
this hybrid cgroup host systemd needs its delegated v1 and unified cgroups), and a
root dir that guest root cannot walk through.

The Debian template is built with debootstrap once and cached (WIRT_TEST_CACHE, default
/var/cache/wirt-test): it takes minutes and needs Debian's mirror, so it runs only
with WIRT_TEST_DEBIAN=1 (scripts/test.sh sets it).
"""
import os
import subprocess

import pytest

from conftest import WIRT_BIN, show, wait_until

CACHE = os.environ.get("WIRT_TEST_CACHE", "/var/cache/wirt-test")


@pytest.fixture(scope="session")
def debian_template():
    if os.environ.get("WIRT_TEST_DEBIAN") != "1":
        pytest.skip("set WIRT_TEST_DEBIAN=1 to build (once) and boot a Debian template")
    root = os.path.join(CACHE, "root")
    tpl = os.path.join(root, "templates", "debian")
    if not os.path.isdir(tpl):
        os.makedirs(root, exist_ok=True)
        cp = subprocess.run([WIRT_BIN, "--root", root, "template", "build", "debian"],
                            capture_output=True, encoding="utf-8", errors="replace",
                            timeout=1800, stdin=subprocess.DEVNULL,
                            env=dict(os.environ, WIRT_ID_REGISTRY=os.path.join(CACHE, "ids")))
        assert cp.returncode == 0, "wirt template build debian" + show(cp)
    return tpl


def test_debian_guest_boots_systemd_and_powers_off(wirt, debian_template):
    subprocess.run(["cp", "-a", debian_template, os.path.join(wirt.root, "templates")],
                   check=True, timeout=300)
    wirt("create", "deb", "--template", "debian")
    wirt("start", "deb")
    # /sbin/init is a link to systemd, which names itself a moment after exec
    wait_until(lambda: wirt.exec("deb", "cat", "/proc/1/comm").stdout.strip() == "systemd",
               10, "PID 1 to be systemd")

    def booted():
        cp = wirt.exec("deb", "systemctl", "is-system-running", check=False)
        state = cp.stdout.strip()
        return state if state in ("running", "degraded") else None

    state = wait_until(booted, 90, "systemd to finish booting")
    failed = wirt.exec("deb", "systemctl", "--failed", "--no-legend", "--plain",
                       "--no-pager").stdout
    assert state == "running", f"systemd says {state!r}; failed units:\n{failed}"
    assert wirt.exec("deb", "hostname").stdout.strip() == "deb"

    wirt("stop", "deb", timeout=60)
    st = wirt.status("deb")
    assert st["state"] == "stopped"
    # systemd powers off with reboot(2), which in a PID namespace ends init by SIGINT
    assert st["last_exit"]["signal"] == 2, st
    assert "Powering off" in wirt.logs("deb")


def test_root_dir_0700(wirt):
    """Guest root (an unprivileged host uid) cannot walk a 0700 root dir; a start must
    not depend on that."""
    os.chmod(wirt.root, 0o700)
    wirt("create", "p")
    wirt("start", "p")
    assert wirt.exec("p", "cat", "/proc/1/comm").stdout.strip() == "init"
    wirt("stop", "p", "--force")


def make_tarball(tmp, files, links=()):
    """A root filesystem tarball: the host's static busybox as /bin/busybox and /bin/sh
    plus 'files' {path: (mode, text)}; returns its path."""
    import tarfile
    tree = os.path.join(tmp, "tree")
    os.makedirs(os.path.join(tree, "bin"))
    os.makedirs(os.path.join(tree, "tmp"))
    os.chmod(os.path.join(tree, "tmp"), 0o1777)
    subprocess.run(["cp", "/bin/busybox", os.path.join(tree, "bin", "busybox")], check=True)
    for applet in ("sh", "sleep", "ps", "ls", "cat", "mkdir", "grep", "httpd", "wget", "echo", "readlink"):
        os.symlink("busybox", os.path.join(tree, "bin", applet))
    for path, (mode, text) in files.items():
        full = os.path.join(tree, path.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
        os.chmod(full, mode)
    out = os.path.join(tmp, "rootfs.tar")
    with tarfile.open(out, "w") as t:
        t.add(tree, arcname=".")
    return out


START_SCRIPT = """#!/bin/sh
echo started-by-wirt-init > /tmp/marker
mkdir -p /www && echo hello-from-start > /www/index.html
httpd -p 80 -h /www
"""


def test_builtin_init_runs_start_script_and_reaps(wirt, tmp_path):
    """A guest without /sbin/init gets wirt's init as PID 1: it runs /etc/wirt/start,
    reaps orphans, and ends everything on stop."""
    tar = make_tarball(str(tmp_path), {"/etc/wirt/start": (0o755, START_SCRIPT)})
    wirt("template", "import", "noinit", tar)
    wirt("create", "n", "--template", "noinit")
    wirt("start", "n")
    assert wirt.exec("n", "cat", "/proc/1/comm").stdout.strip() == "wirt-init"
    wait_until(lambda: wirt.exec("n", "cat", "/tmp/marker", check=False).returncode == 0,
               10, "the start script's marker")
    page = wait_until(lambda: wirt.exec("n", "wget", "-qO-", "http://127.0.0.1/",
                                        check=False).stdout, 10, "httpd from the start script")
    assert page.strip() == "hello-from-start"

    # an orphan (its parent exits at once) is reparented to PID 1, which must reap it
    wirt.sh("n", "(sleep 0.2 &) ; true")

    def zombies():
        out = wirt.sh("n", "for s in /proc/[0-9]*/stat; do cat $s; done 2>/dev/null").stdout
        return [l for l in out.splitlines() if ") Z " in l]

    wait_until(lambda: not zombies(), 5, "orphans to be reaped")

    wirt("stop", "n", timeout=60)
    st = wirt.status("n")
    assert st["state"] == "stopped"
    assert st["last_exit"] == {**st["last_exit"], "status": 0, "signal": 0}, st


def test_no_host_descriptor_in_guest(wirt, tmp_path):
    """PID 1 holds only its console; an exec'd program only its stdio (pipes of its own)
    and what it opens itself."""
    tar_files = {"/etc/wirt/start": (0o755, "#!/bin/sh\nsleep 1000 &\n")}
    wirt("template", "import", "fdcheck", make_tarball(str(tmp_path), tar_files))
    wirt("create", "f", "--template", "fdcheck")
    wirt("start", "f")
    out = wirt.sh("f", "for fd in /proc/1/fd/*; do echo ${fd##*/} $(readlink $fd); done").stdout
    fds = dict(line.split(" ", 1) for line in out.splitlines())
    assert sorted(fds) == ["0", "1", "2"], f"PID 1's descriptors: {fds}"
    assert set(fds.values()) == {"/dev/console"}, f"PID 1's descriptors: {fds}"

    out = wirt.exec("f", "ls", "/proc/self/fd").stdout.split()
    assert sorted(out) == ["0", "1", "2", "3"], f"an exec'd ls sees descriptors {out}"
    wirt("stop", "f", "--force")


def test_sysinfo_shows_the_vservers_own(wirt, tmp_path):
    """busybox's free and uptime ask sysinfo(2), which the kernel answers with the
    host's RAM and uptime; wirt answers it for the guest: the supervisor for what the
    guest's init starts, `wirt exec` for its program (and a shell's builtins)."""
    start = "#!/bin/sh\nfree > /tmp/free.out\nuptime > /tmp/uptime.out\n"
    tar = make_tarball(str(tmp_path), {"/etc/wirt/start": (0o755, start)})
    for applet in ("free", "uptime"):
        os.symlink("busybox", os.path.join(str(tmp_path), "tree", "bin", applet))
    import tarfile
    with tarfile.open(tar, "w") as t:
        t.add(os.path.join(str(tmp_path), "tree"), arcname=".")
    wirt("template", "import", "si", tar)
    wirt("create", "m", "--template", "si", "--memory", "64M")
    wirt("start", "m")

    def total(text):
        line = [l for l in text.splitlines() if l.startswith("Mem:")]
        return int(line[0].split()[1]) if line else None

    # from the guest's init (the supervisor answers)
    out = wait_until(lambda: wirt.exec("m", "cat", "/tmp/free.out", check=False).stdout,
                     10, "the start script's free")
    assert total(out) == 65536, f"free run by the guest's init says:\n{out}"
    up = wirt.exec("m", "cat", "/tmp/uptime.out").stdout
    assert " up 0 min" in up, f"uptime run by init just after start says {up!r}"
    # from wirt exec, also as a shell builtin (busybox's sh runs free itself)
    out = wirt.exec("m", "sh", "-c", "free").stdout
    assert total(out) == 65536, f"free in 'wirt exec m -- sh -c free' says:\n{out}"
    wirt("stop", "m", "--force")


def test_guest_starts_with_default_signals(wirt, tmp_path):
    """The supervisor ignores SIGPIPE and SIGHUP for itself; ignored signals survive
    exec, and a guest whose programs inherit them misbehaves (`yes | head` never ends)."""
    tar = make_tarball(str(tmp_path), {"/etc/wirt/start": (0o755, "#!/bin/sh\nsleep 1234\n")})
    wirt("template", "import", "sig", tar)
    wirt("create", "s", "--template", "sig")
    wirt("start", "s")
    script = ("for p in /proc/[0-9]*; do grep -q '^sleep' $p/comm 2>/dev/null && "
              "grep SigIgn $p/status; done; true")
    ign = wait_until(lambda: wirt.sh("s", script).stdout.split(), 10, "the start script's sleep")
    mask = int(ign[1], 16)
    assert mask & ((1 << 12) | (1 << 0)) == 0, f"SIGPIPE or SIGHUP ignored in the guest: {ign}"
    wirt("stop", "s", "--force")
