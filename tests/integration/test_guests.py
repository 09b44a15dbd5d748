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
    assert wirt.exec("deb", "cat", "/proc/1/comm").stdout.strip() == "systemd"

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
