"""OpenLDAP's slapd (Debian's package) on a free loopback port with a throw-away directory,
for the directory sign-in tests: a studio's people and its support groups, as groupOfNames."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import ldap
from ldap.modlist import addModlist

SLAPD = Path("/usr/sbin/slapd")
BASE = "dc=studio,dc=example"
ROOT_DN = f"cn=admin,{BASE}"
ROOT_PASSWORD = "directory-root-secret"
AGENTS_DN = f"cn=support,ou=groups,{BASE}"
ADMINS_DN = f"cn=support-leads,ou=groups,{BASE}"
DANCERS_DN = f"cn=dancers,ou=groups,{BASE}"

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {dir}/slapd.pid
database mdb
maxsize 10485760
suffix "{base}"
rootdn "{root}"
rootpw {password}
directory {dir}/data
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
"""


@dataclass
class Directory:
    uri: str

    def connection(self) -> ldap.ldapobject.LDAPObject:
        conn = ldap.initialize(self.uri)
        conn.simple_bind_s(ROOT_DN, ROOT_PASSWORD)
        return conn

    def add_person(self, uid: str, password: str, mail: str | None, *groups: str) -> str:
        dn = f"uid={uid},ou=people,{BASE}"
        entry: dict[str, list[bytes]] = {
            "objectClass": [b"inetOrgPerson"],
            "uid": [uid.encode()],
            "cn": [uid.encode()],
            "sn": [uid.encode()],
            "userPassword": [password.encode()],
        }
        if mail:
            entry["mail"] = [mail.encode()]
        conn = self.connection()
        conn.add_s(dn, addModlist(entry))
        for group in groups:
            conn.modify_s(group, [(ldap.MOD_ADD, "member", [dn.encode()])])
        return dn

    def remove_from(self, group: str, dn: str) -> None:
        self.connection().modify_s(group, [(ldap.MOD_DELETE, "member", [dn.encode()])])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _seed(directory: Directory) -> None:
    conn = directory.connection()
    conn.add_s(
        BASE,
        addModlist(
            {"objectClass": [b"dcObject", b"organization"], "dc": [b"studio"], "o": [b"Studio"]}
        ),
    )
    for unit in ("people", "groups"):
        conn.add_s(
            f"ou={unit},{BASE}",
            addModlist({"objectClass": [b"organizationalUnit"], "ou": [unit.encode()]}),
        )
    for group in (AGENTS_DN, ADMINS_DN, DANCERS_DN):
        # groupOfNames needs a member: the root entry stands in until people are added.
        name = group.split(",")[0].removeprefix("cn=")
        conn.add_s(
            group,
            addModlist(
                {
                    "objectClass": [b"groupOfNames"],
                    "cn": [name.encode()],
                    "member": [ROOT_DN.encode()],
                }
            ),
        )


@contextmanager
def directory_running() -> Iterator[Directory]:
    workdir = Path(tempfile.mkdtemp(prefix="fd-slapd-"))
    (workdir / "data").mkdir()
    config = workdir / "slapd.conf"
    config.write_text(CONFIG.format(dir=workdir, base=BASE, root=ROOT_DN, password=ROOT_PASSWORD))
    uri = f"ldap://127.0.0.1:{_free_port()}"
    # -d 0: stay in the foreground (so the test owns the process) and log nothing.
    server = subprocess.Popen([str(SLAPD), "-f", str(config), "-h", f"{uri}/", "-d", "0"])
    directory = Directory(uri=uri)
    try:
        for _ in range(100):
            try:
                directory.connection().unbind_s()
                break
            except ldap.SERVER_DOWN:
                time.sleep(0.05)
        else:
            raise RuntimeError("slapd did not start")
        _seed(directory)
        yield directory
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
