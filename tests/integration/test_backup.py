# SPDX-License-Identifier: LGPL-2.1-or-later
"""
Backups (`wirt export NAME FILE`, `wirt import FILE [NAME]`, docs/storage.md): a vServer
into one .tar.zst and back, here or in another root dir (as another host). What must
survive: files, owners as seen inside, modes, xattrs, ACLs (their ids shifted to the new
range), file capabilities (valid for the new vServer's root only), hard links, device
nodes, sparse files, deleted template files (overlay whiteouts) and the config. Archives
that are truncated, corrupt or crafted to write outside are refused with one line and
leave nothing: no vServer, no template, no file outside, no mount or loop device.
"""
import io
import json
import os
import pty
import struct
import subprocess
import tarfile

import pytest

from conftest import assert_one_error_line, show

M = 1 << 20

# POSIX ACL xattr (system.posix_acl_access): version 2, then (tag, perm, id) entries.
ACL_USER_OBJ, ACL_USER, ACL_GROUP_OBJ, ACL_GROUP, ACL_MASK, ACL_OTHER = 1, 2, 4, 8, 16, 32


def acl_bytes(entries):
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", t, p, i) for t, p, i in entries)


def acl_entries(raw):
    return [struct.unpack_from("<HHI", raw, 4 + 8 * k) for k in range((len(raw) - 4) // 8)]


def caps_rootid(raw):
    """(revision, rootid or None) of a security.capability value."""
    magic = struct.unpack_from("<I", raw)[0]
    rev = magic >> 24
    return rev, struct.unpack_from("<I", raw, 20)[0] if rev == 3 else None


def init_pid(wirt, name):
    return json.loads(wirt("status", name, "--json").stdout)["pid"]


def id_base(wirt, name):
    return json.loads(wirt("status", name, "--json").stdout)["id_base"]


def in_guest(wirt, name, path):
    """A path of the running guest's "/" as the host reaches it."""
    return f"/proc/{init_pid(wirt, name)}/root{path}"


def config_without_ids(wirt, name):
    with open(os.path.join(wirt.root, "vservers", name, "config")) as f:
        return [l for l in f.read().splitlines() if not l.startswith("base =")]


def inside_listing(wirt, name):
    """What the guest sees of the test's files: type, mode, owner, size, links, md5."""
    script = ("cd /; for f in $(find /data /root /etc/hostname /bin/vi /dev-null | sort); do "
              "stat -c '%n %F %a %u:%g %s %h %t,%T' $f; "
              "[ -f $f ] && md5sum < $f; done 2>&1")
    return wirt.sh(name, script, check=False).stdout


def fill(wirt, name):
    """Files of every kind in running vServer 'name'."""
    wirt.sh(name, "mkdir -p /data/dir; echo hello > /data/a; ln /data/a /data/hard; "
                  "ln -s /data/a /data/sym; chown 1234:2345 /data/a; chmod 4750 /data/a; "
                  "dd if=/dev/urandom of=/data/sparse bs=4k count=2 2>/dev/null; "
                  "dd if=/dev/urandom of=/data/sparse bs=4k count=1 seek=4000 conv=notrunc "
                  "2>/dev/null; dd if=/dev/zero of=/data/zeros bs=1M count=2 2>/dev/null; "
                  "echo secret > /root/key; chmod 600 /root/key; rm /bin/vi; "
                  "mkdir /data/dir/sub; echo x > /data/dir/sub/f; sync")
    base = id_base(wirt, name)
    os.setxattr(in_guest(wirt, name, "/data/a"), "user.note", b"kept")
    os.setxattr(in_guest(wirt, name, "/data/dir"), "user.dir", b"d")
    # an ACL naming guest uid 1000 and gid 50 (host ids base+1000, base+50)
    os.setxattr(in_guest(wirt, name, "/data/dir/sub/f"), "system.posix_acl_access",
                acl_bytes([(ACL_USER_OBJ, 6, 0xffffffff), (ACL_USER, 4, base + 1000),
                           (ACL_GROUP_OBJ, 4, 0xffffffff), (ACL_GROUP, 4, base + 50),
                           (ACL_MASK, 4, 0xffffffff), (ACL_OTHER, 0, 0xffffffff)]))
    # a file capability as the guest's root would set it (v3, its root's host id)
    caps = struct.pack("<IIIIII", 0x03000001, 1 << 13, 0, 0, 0, base)  # cap_net_raw+ep
    wirt.sh(name, "cp /bin/busybox /data/ping")
    os.setxattr(in_guest(wirt, name, "/data/ping"), "security.capability", caps)
    # a device node in the layer (the guest's root may not make one; the host's may)
    os.mknod(in_guest(wirt, name, "/dev-null"), 0o20666, os.makedev(1, 3))


def check_ids(wirt, name):
    """The shifted ids as the host sees them: ACL and capability of the new range."""
    base = id_base(wirt, name)
    raw = os.getxattr(in_guest(wirt, name, "/data/dir/sub/f"), "system.posix_acl_access")
    named = sorted((t, i) for t, p, i in acl_entries(raw) if t in (ACL_USER, ACL_GROUP))
    assert named == [(ACL_USER, base + 1000), (ACL_GROUP, base + 50)], named
    rev, rootid = caps_rootid(os.getxattr(in_guest(wirt, name, "/data/ping"),
                                          "security.capability"))
    assert (rev, rootid) == (3, base), (rev, rootid, base)
    assert os.getxattr(in_guest(wirt, name, "/data/a"), "user.note") == b"kept"
    assert os.getxattr(in_guest(wirt, name, "/data/dir"), "user.dir") == b"d"


def allocated(wirt, name, path):
    return os.stat(in_guest(wirt, name, path)).st_blocks * 512


@pytest.mark.parametrize("disk", [None, "64M"], ids=["pool", "disk"])
def test_export_delete_import(wirt, disk, tmp_path):
    wirt("create", "web", "--hostname", "www.example.test", *(["--disk", disk] if disk else []))
    wirt("start", "web")
    fill(wirt, "web")
    before = inside_listing(wirt, "web")
    config = config_without_ids(wirt, "web")
    assert "1234:2345" in before and "character special file" in before, before
    archive = tmp_path / "web.tar.zst"

    # exported while it runs (from a copy taken frozen), then gone
    wirt("export", "web", archive)
    assert os.stat(archive).st_mode & 0o777 == 0o600
    assert not [f for f in os.listdir(tmp_path) if ".tmp-" in f]
    assert not [f for f in os.listdir(os.path.join(wirt.root, "vservers", "web"))
                if "export" in f], "the export's copy is left"
    wirt("delete", "--force", "web")

    r = wirt("import", archive)
    assert r.stdout.strip() == "web", show(r)
    assert config_without_ids(wirt, "web") == config
    wirt("start", "web")
    after = inside_listing(wirt, "web")
    assert after == before
    assert wirt.exec("web", "hostname").stdout.strip() == "www.example.test"
    check_ids(wirt, "web")
    # hard link kept as one inode; holes kept; written zeros stay written
    assert "2 " in wirt.exec("web", "stat", "-c", "%h ", "/data/hard").stdout
    assert allocated(wirt, "web", "/data/sparse") < 64 * 1024
    assert allocated(wirt, "web", "/data/zeros") >= 2 * M


def test_import_into_another_root_brings_the_template(wirt, other_wirt, tmp_path):
    wirt("create", "web")
    wirt("start", "web")
    fill(wirt, "web")
    before = inside_listing(wirt, "web")
    archive = tmp_path / "web.tar.zst"
    wirt("export", "web", archive)
    wirt("stop", "web")

    r = other_wirt("import", archive, "moved")
    assert r.stdout.strip() == "moved" and "came with the backup" in r.stderr, show(r)
    tl = json.loads(other_wirt("template", "list", "--json").stdout)
    assert [t["name"] for t in tl] == ["busybox"], tl
    other_wirt("start", "moved")
    assert inside_listing(other_wirt, "moved") == before
    check_ids(other_wirt, "moved")
    assert id_base(other_wirt, "moved") != id_base(wirt, "web")

    # a second import finds the same template build and shares it
    r = other_wirt("import", archive, "again")
    assert "came with" not in r.stderr, show(r)
    tl = json.loads(other_wirt("template", "list", "--json").stdout)
    assert [(t["name"], t["users"]) for t in tl] == [("busybox", 2)], tl


def test_no_template_export_needs_the_template(wirt, other_wirt, tmp_path):
    wirt("create", "web")
    small = tmp_path / "small.tar.zst"
    full = tmp_path / "full.tar.zst"
    wirt("export", "web", small, "--no-template")
    wirt("export", "web", full)
    assert os.path.getsize(small) * 4 < os.path.getsize(full)
    r = other_wirt("import", small, check=False)
    assert_one_error_line(r, contains="--no-template")
    assert not os.path.exists(os.path.join(other_wirt.root, "vservers", "web"))
    # where the template is, the small one serves
    wirt("delete", "web")
    wirt("import", small)
    wirt("start", "web")


def test_import_refuses_an_existing_name(wirt, tmp_path):
    wirt("create", "web")
    archive = tmp_path / "web.tar.zst"
    wirt("export", "web", archive)
    r = wirt("import", archive, check=False)
    assert_one_error_line(r, contains="exists")
    r = wirt("import", archive, "bad/name", check=False)
    assert_one_error_line(r, contains="invalid vServer name")
    r = wirt("export", "nosuch", tmp_path / "x.tar.zst", check=False)
    assert_one_error_line(r, contains="nosuch")
    r = wirt("export", "web", tmp_path / "nodir" / "x.tar.zst", check=False)
    assert_one_error_line(r, contains="nodir")
    assert sorted(os.listdir(tmp_path)) == ["web.tar.zst"]


def test_progress_bar_on_a_terminal(wirt, tmp_path):
    wirt("create", "web")
    archive = tmp_path / "web.tar.zst"
    for args in (["export", "web", archive], ["import", archive, "copy"]):
        master, slave = pty.openpty()
        cp = subprocess.run(wirt.argv(*args), stdout=subprocess.PIPE, stderr=slave,
                            env=wirt.env, timeout=60)
        os.close(slave)
        out = b""
        try:
            while chunk := os.read(master, 65536):
                out += chunk
        except OSError:
            pass
        os.close(master)
        assert cp.returncode == 0, out
        assert b"100%" in out and b"[" in out, out
    # not on a terminal: no bar
    r = wirt("export", "copy", tmp_path / "c.tar.zst")
    assert r.stderr == "", show(r)


# ---- hostile archives ------------------------------------------------------------------

def pax(members):
    """A pax tar (uncompressed: import takes it as it takes zstd) of (TarInfo, bytes)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for info, data in members:
            info.size = len(data) if data is not None and info.type == tarfile.REGTYPE else 0
            t.addfile(info, io.BytesIO(data) if data else None)
    return buf.getvalue()


def member(name, data=b"", type=tarfile.REGTYPE, linkname="", mode=0o644):
    info = tarfile.TarInfo(name)
    info.type = type
    info.linkname = linkname
    info.mode = mode
    return info, data


def head(wirt, template=False):
    """The manifest and config of a real vServer of wirt's, as an export has them."""
    manifest = (f"format=1\nname=evil\ntemplate=busybox\ntemplate_source=x\n"
                f"template_created=y\ntemplate_included={'yes' if template else 'no'}\n")
    wirt("create", "model")
    with open(os.path.join(wirt.root, "vservers", "model", "config"), "rb") as f:
        config = f.read()
    wirt("delete", "model")
    return [member("wirt-backup", manifest.encode()), member("config", config)]


def layer_dir():
    return member("layer", type=tarfile.DIRTYPE, mode=0o755)


CRAFTED = {
    "dotdot": lambda out: [layer_dir(), member(f"layer/../../../../../..{out}/f", b"x")],
    "absolute": lambda out: [layer_dir(), member(f"{out}/f", b"x")],
    "symlink-then-write": lambda out: [layer_dir(),
                                       member("layer/esc", type=tarfile.SYMTYPE, linkname=out),
                                       member("layer/esc/f", b"x")],
    "hardlink-out": lambda out: [layer_dir(),
                                 member("layer/h", type=tarfile.LNKTYPE, linkname="/etc/passwd")],
    "hardlink-dotdot": lambda out: [layer_dir(),
                                    member("layer/h", type=tarfile.LNKTYPE,
                                           linkname="layer/../../../../../../etc/passwd")],
    "owner-outside": lambda out: [layer_dir(), member("layer/f", b"x")],
    "template-dotdot": lambda out: [member("template", type=tarfile.DIRTYPE),
                                    member(f"template/../../../../../..{out}/f", b"x")],
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_archive_refused_and_leaves_nothing(wirt, case, tmp_path):
    out = str(tmp_path / "outside")
    members = head(wirt, template=case.startswith("template")) + CRAFTED[case](out)
    if case == "owner-outside":
        members[-1][0].uid = 70000
    if case.startswith("template"):
        # a template name this root does not have, so the import would bring it
        members[0] = member("wirt-backup", members[0][1].replace(b"=busybox\n", b"=other\n"))
    archive = tmp_path / "evil.tar"
    archive.write_bytes(pax(members))
    templates = sorted(os.listdir(os.path.join(wirt.root, "templates")))
    r = wirt("import", archive, check=False)
    assert_one_error_line(r)
    assert not os.path.lexists(out), f"{case}: wrote outside"
    assert sorted(os.listdir(os.path.join(wirt.root, "vservers"))) == []
    assert sorted(f for f in os.listdir(os.path.join(wirt.root, "templates"))) == templates
    assert wirt.mounts() == []
    with open("/etc/passwd") as f:
        assert "root:" in f.read()


@pytest.mark.parametrize("damage", ["truncated", "corrupt", "not-a-backup", "empty"])
def test_damaged_archive_refused_and_leaves_nothing(wirt, damage, tmp_path):
    wirt("create", "web", "--disk", "64M")
    wirt("start", "web")
    wirt.sh("web", "dd if=/dev/urandom of=/root/blob bs=1M count=4 2>/dev/null")
    good = tmp_path / "web.tar.zst"
    wirt("export", "web", good, "--no-template")
    wirt("delete", "--force", "web")
    data = good.read_bytes()
    bad = tmp_path / "bad.tar.zst"
    if damage == "truncated":
        bad.write_bytes(data[: len(data) * 2 // 3])
    elif damage == "corrupt":
        mid = len(data) // 2
        bad.write_bytes(data[:mid] + bytes(b ^ 0x5A for b in data[mid:mid + 4096]) +
                        data[mid + 4096:])
    elif damage == "not-a-backup":
        bad.write_bytes(pax([member("etc/passwd", b"root:x:0:0::/root:/bin/sh\n")]))
    else:
        bad.write_bytes(b"")
    r = wirt("import", bad, check=False)
    assert_one_error_line(r, contains="bad.tar.zst")
    assert os.listdir(os.path.join(wirt.root, "vservers")) == []
    assert wirt.mounts() == []
    loops = subprocess.run(["losetup", "-a"], capture_output=True, text=True).stdout
    assert wirt.root not in loops, loops
    # the good one still imports
    wirt("import", good)
