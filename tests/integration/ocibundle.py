# SPDX-License-Identifier: LGPL-2.1-or-later
"""
OCI bundles for the wirt-oci tests: a busybox root filesystem (the host's static
busybox and its applets, nothing pulled from anywhere) and config.json as a runtime's
`spec` writes it, edited per test. Shared by test_oci_*.py; the runtimes under test
(wirt-oci, runc, crun) and the clients (Podman, containerd) get the same bundles.
"""
import json
import os
import shutil
import subprocess

from conftest import WIRT_BIN

WIRT_OCI_BIN = os.environ.get("WIRT_OCI_BIN",
                              os.path.join(os.path.dirname(WIRT_BIN), "wirt-oci"))
BUSYBOX = shutil.which("busybox") or "/bin/busybox"

PASSWD = ("root:x:0:0:root:/root:/bin/sh\n"
          "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
          "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
          "user:x:1000:1000:user:/home/user:/bin/sh\n")
GROUP = "root:x:0:\ndaemon:x:1:\nusers:x:100:user\nuser:x:1000:\nnogroup:x:65534:\n"


def make_rootfs(path):
    """A busybox root filesystem at 'path': /bin/busybox with a link per applet,
    /etc/passwd and /etc/group with root, user (1000) and nobody."""
    for d in ("bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "root", "home/user",
              "var/tmp", "run", "usr/bin", "usr/sbin"):
        os.makedirs(os.path.join(path, d), exist_ok=True)
    os.chmod(os.path.join(path, "tmp"), 0o1777)
    shutil.copy2(BUSYBOX, os.path.join(path, "bin/busybox"))
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    for a in applets:
        link = os.path.join(path, "bin", a)
        if a != "busybox" and not os.path.lexists(link):
            os.symlink("busybox", link)
    with open(os.path.join(path, "etc/passwd"), "w") as f:
        f.write(PASSWD)
    with open(os.path.join(path, "etc/group"), "w") as f:
        f.write(GROUP)
    with open(os.path.join(path, "etc/hostname"), "w") as f:
        f.write("oci\n")
    os.chown(os.path.join(path, "home/user"), 1000, 1000)
    return path


def base_config(runtime=None, rootless=False):
    """config.json as `RUNTIME spec` writes it (wirt-oci's own by default)."""
    runtime = runtime or WIRT_OCI_BIN
    d = subprocess.run(["mktemp", "-d"], capture_output=True, text=True,
                       check=True).stdout.strip()
    try:
        cmd = [runtime, "spec"] + (["--rootless"] if rootless else [])
        subprocess.run(cmd, cwd=d, check=True, capture_output=True, timeout=30)
        with open(os.path.join(d, "config.json")) as f:
            return json.load(f)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def make_bundle(path, args=("/bin/true",), rootfs=None, terminal=False, edit=None,
                runtime=None):
    """A bundle at 'path': rootfs/ (a busybox one unless 'rootfs' names a directory to
    point root.path at) and config.json from base_config(), with process.args 'args',
    process.terminal 'terminal', then edit(config) when given. Returns the config."""
    os.makedirs(path, exist_ok=True)
    cfg = base_config(runtime)
    if rootfs is None:
        make_rootfs(os.path.join(path, "rootfs"))
        cfg["root"]["path"] = "rootfs"
    else:
        cfg["root"]["path"] = rootfs
    cfg["root"]["readonly"] = False
    cfg["process"]["args"] = list(args)
    cfg["process"]["terminal"] = terminal
    if edit:
        edit(cfg)
    write_config(path, cfg)
    return cfg


def write_config(path, cfg):
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg, f, indent="\t")
