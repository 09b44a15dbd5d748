# SPDX-License-Identifier: LGPL-2.1-or-later
"""What guest root can and cannot do: checked from inside a running vServer."""
import os
import socket

import pytest

from conftest import ID_COUNT, host_pids, show, wait_until


def boot_id():
    with open("/proc/sys/kernel/random/boot_id") as f:
        return f.read().strip()


@pytest.fixture
def web1(wirt):
    wirt.create_started("web1")
    return wirt


def test_pid1_is_guest_init(web1):
    cp = web1.exec("web1", "cat", "/proc/1/comm")
    assert cp.stdout == "init\n", show(cp)
    cp = web1.exec("web1", "readlink", "/proc/1/exe")
    assert cp.stdout.strip() in ("/bin/busybox", "/sbin/init"), show(cp)


def test_no_host_processes_visible(web1):
    cp = web1.sh("web1", "ls -d /proc/[0-9]* | wc -l")
    inside = int(cp.stdout.strip())
    host = len(host_pids())
    # busybox init, its askfirst child, httpd, the exec'd sh, ls, wc
    assert inside <= 10, f"{inside} processes visible inside (host has {host})" + show(cp)
    assert inside < host, f"inside {inside} >= host {host}"
    cp = web1.exec("web1", "ps", "-o", "pid,comm")
    assert "pytest" not in cp.stdout and "python" not in cp.stdout, show(cp)
    assert "wirt-supervisor" not in cp.stdout, show(cp)


def test_hostname_inside_does_not_change_host(web1):
    host_before = socket.gethostname()
    cp = web1.exec("web1", "hostname")
    assert cp.stdout.strip() == "web1", show(cp)
    newname = "changed-inside"
    assert newname != host_before
    web1.exec("web1", "hostname", newname)
    cp = web1.exec("web1", "hostname")
    assert cp.stdout.strip() == newname, "hostname did not change inside" + show(cp)
    assert socket.gethostname() == host_before, \
        f"host hostname is now {socket.gethostname()!r}, was {host_before!r}"


def test_hostname_option(wirt):
    wirt.create_started("h1", "--hostname", "shop.example.com", wait_console=False)
    cp = wirt.exec("h1", "hostname")
    assert cp.stdout.strip() == "shop.example.com", show(cp)


def test_uid_and_gid_map(web1):
    base = web1.status("web1")["id_base"]
    for f in ("uid_map", "gid_map"):
        cp = web1.exec("web1", "cat", f"/proc/self/{f}")
        assert cp.stdout.split() == ["0", str(base), str(ID_COUNT)], f"{f}" + show(cp)


def test_guest_root_file_owned_by_id_base(web1):
    base = web1.status("web1")["id_base"]
    web1.exec("web1", "touch", "/root/f")
    web1.sh("web1", "touch /tmp/www && chown 33:33 /tmp/www")
    upper = os.path.join(web1.root, "vservers", "web1", "upper")
    st = os.stat(os.path.join(upper, "root", "f"))
    assert (st.st_uid, st.st_gid) == (base, base), f"owner {st.st_uid}:{st.st_gid}, want {base}"
    st = os.stat(os.path.join(upper, "tmp", "www"))
    assert (st.st_uid, st.st_gid) == (base + 33, base + 33), \
        f"owner {st.st_uid}:{st.st_gid}, want {base + 33}"
    # and the guest sees its own ids on the template's files
    cp = web1.exec("web1", "stat", "-c", "%u:%g", "/bin/busybox")
    assert cp.stdout.strip() == "0:0", show(cp)


def host_block_devices():
    devs = []
    with open("/proc/partitions") as f:
        for line in f.readlines()[2:]:
            parts = line.split()
            if len(parts) == 4:
                devs.append((int(parts[0]), int(parts[1]), parts[3]))
    return devs


def test_no_block_devices(web1):
    cp = web1.sh("web1", "find /dev -type b")
    assert cp.stdout == "", "block devices inside" + show(cp)
    devs = host_block_devices() or [(8, 0, "sda")]
    major, minor, name = devs[0]
    cp = web1.sh("web1", f"mknod /tmp/b b {major} {minor}", check=False)
    assert cp.returncode != 0, "mknod of a block device worked" + show(cp)
    cp = web1.sh("web1", f"mkdir -p /mnt/x; mount /dev/{name} /mnt/x", check=False)
    assert cp.returncode != 0, f"mount /dev/{name} worked" + show(cp)
    cp = web1.sh("web1", "mount -t ext4 /tmp/b /mnt/x", check=False)
    assert cp.returncode != 0, show(cp)


def test_sysrq_trigger_refused(web1):
    before = boot_id()
    # 'h' (help) rather than the 'b' of the acceptance list: the write is refused just
    # the same, and a broken build then prints help instead of rebooting the host.
    cp = web1.sh("web1", "echo h > /proc/sysrq-trigger", check=False)
    assert cp.returncode != 0, "write to /proc/sysrq-trigger worked" + show(cp)
    assert boot_id() == before


def host_sysfs_knob():
    for p in ("/sys/kernel/mm/ksm/run", "/sys/kernel/mm/transparent_hugepage/khugepaged/defrag",
              "/sys/kernel/profiling"):
        if os.path.exists(p):
            return p
    pytest.skip("no writable sysfs knob on this host to try")


def test_sys_write_refused(web1):
    knob = host_sysfs_knob()
    with open(knob) as f:
        before = f.read()
    # writes back the value it reads: harmless even when the write goes through
    cp = web1.sh("web1", f"v=$(cat {knob}) && echo \"$v\" > {knob}", check=False)
    assert cp.returncode != 0, f"write to {knob} worked" + show(cp)
    with open(knob) as f:
        assert f.read() == before


def test_proc_sys_write_refused(web1):
    cp = web1.sh("web1", "v=$(cat /proc/sys/kernel/panic) && echo $v > /proc/sys/kernel/panic",
                 check=False)
    assert cp.returncode != 0, "write to /proc/sys/kernel/panic worked" + show(cp)


def test_module_load_refused(web1):
    # A module file that is not a module: a guest allowed to load modules would get
    # ENOEXEC ("Invalid module format"), a refused one EPERM.
    cp = web1.sh("web1", "head -c 4096 /dev/zero > /tmp/x.ko && insmod /tmp/x.ko", check=False)
    assert cp.returncode != 0, show(cp)
    assert "not permitted" in cp.stderr, "insmod did not fail with EPERM" + show(cp)
    cp = web1.sh("web1", "rmmod loop", check=False)
    assert cp.returncode != 0, show(cp)


def test_reboot_inside_does_not_reboot_host(web1):
    before = boot_id()
    host_name = socket.gethostname()
    old = web1.status("web1")
    web1.exec("web1", "reboot", "-f", check=False, timeout=20)

    def settled():
        st = web1.status("web1")
        if st["state"] == "stopped":
            return st
        if st["state"] == "running" and st["pid"] != old["pid"]:
            return st
        return None

    st = wait_until(settled, 15, "the vServer to restart or stop after reboot -f")
    assert boot_id() == before, "the host rebooted"
    assert socket.gethostname() == host_name
    assert st["state"] in ("running", "stopped"), st
    if st["state"] == "running":
        # the supervisor restarted the guest: a fresh init that works
        web1.wait_booted("web1")
        cp = web1.exec("web1", "cat", "/proc/1/comm")
        assert cp.stdout == "init\n", show(cp)
        assert st["supervisor_pid"] == old["supervisor_pid"], f"{old} -> {st}"
        assert st["last_exit"] and st["last_exit"]["signal"] == 1, st
    else:
        assert web1.cgroup_dirs("web1") == []


def test_poweroff_inside_stops_the_vserver(web1):
    before = boot_id()
    web1.exec("web1", "poweroff", "-f", check=False, timeout=20)
    wait_until(lambda: web1.state("web1") == "stopped", 15, "the vServer to stop")
    assert boot_id() == before
    assert web1.cgroup_dirs("web1") == [], "poweroff left the cgroup"
    # and it starts again
    web1("start", "web1")
    assert web1.state("web1") == "running"


def test_two_vservers_do_not_share_files_or_processes(wirt):
    wirt.create_started("a", wait_console=False)
    wirt.create_started("b", wait_console=False)
    a, b = wirt.status("a"), wirt.status("b")
    assert a["id_base"] != b["id_base"], (a, b)

    wirt.sh("a", "echo secret-of-a > /root/secret")
    cp = wirt.exec("a", "cat", "/root/secret")
    assert cp.stdout == "secret-of-a\n", show(cp)
    cp = wirt.sh("b", "test -e /root/secret", check=False)
    assert cp.returncode == 1, "b sees a's /root/secret" + show(cp)
    cp = wirt.sh("b", "grep -rl secret-of-a /root /tmp /etc /var /home /run 2>/dev/null", check=False)
    assert cp.stdout == "", "b finds a's file somewhere" + show(cp)

    wirt.sh("a", "sleep 1234 </dev/null >/dev/null 2>&1 &")
    cp = wirt.exec("a", "ps", "-o", "pid,args")
    assert "sleep 1234" in cp.stdout, "the sleep did not start in a" + show(cp)
    cp = wirt.exec("b", "ps", "-o", "pid,args")
    assert "sleep 1234" not in cp.stdout, "b sees a's process" + show(cp)
    # a's sleep runs with a's ids on the host, not b's
    sleepers = [p for p in host_pids() if _cmdline(p) == "sleep 1234"]
    assert sleepers, "no 'sleep 1234' on the host"
    for p in sleepers:
        with open(f"/proc/{p}/status") as f:
            uid = [l for l in f if l.startswith("Uid:")][0].split()[1]
        assert int(uid) == a["id_base"], f"sleep runs as host uid {uid}, a's base is {a['id_base']}"


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def test_proc_1_root_is_the_guest_root(web1):
    web1.exec("web1", "touch", "/guest-marker")
    assert os.path.isdir("/work") or os.path.isdir("/proc"), "host has no dir to look for"
    host_only = "work" if os.path.isdir("/work") else "boot"
    for path in ("/proc/1/root/", "/proc/self/root/", "/proc/1/root/../../"):
        cp = web1.exec("web1", "ls", "-a", path)
        names = cp.stdout.split()
        assert "guest-marker" in names, f"{path} is not the guest root" + show(cp)
        assert host_only not in names, f"{path} shows the host's /{host_only}" + show(cp)


def test_cd_dotdot_stays_in_guest_root(web1):
    web1.exec("web1", "touch", "/guest-marker")
    host_only = "work" if os.path.isdir("/work") else "boot"
    cp = web1.sh("web1", "cd /../../..; pwd; ls -a")
    lines = cp.stdout.split()
    assert lines[0] == "/", show(cp)
    assert "guest-marker" in lines and host_only not in lines, show(cp)
    cp = web1.sh("web1", "cd /root/../../../../; ls -a")
    assert "guest-marker" in cp.stdout.split(), show(cp)


def test_no_host_mounts_visible(web1):
    cp = web1.exec("web1", "cat", "/proc/self/mountinfo")
    assert web1.root not in "".join(l.split(" - ")[0] for l in cp.stdout.splitlines()), \
        "a mount point inside names the host's root dir" + show(cp)
