"""A real IMAP server for the tests: Debian's Dovecot, started with its own
configuration in a temporary folder on a free loopback port (``make test`` installs
the ``dovecot-imapd`` package; in CI its absence fails the tests, never skips them).

Plain-text login on loopback, one Maildir user, IDLE and MOVE as Dovecot offers them.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import IN_CI, free_socket

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "shop"
PASSWORD = "imap-test-password"

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = hubtest-{port}
log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass(frozen=True)
class Dovecot:
    port: int
    tls_port: int
    root: Path

    @property
    def url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"

    @property
    def tls_url(self) -> str:
        """``imaps://`` with a certificate for 127.0.0.1 (trust ``certificate``)."""
        return f"imaps://{USER}:{PASSWORD}@127.0.0.1:{self.tls_port}/INBOX"

    @property
    def certificate(self) -> Path:
        return self.root / "cert.pem"


def _wait_for_port(port: int, process: subprocess.Popen[bytes], root: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"dovecot exited ({process.returncode}): {log[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                if sock.recv(64).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("dovecot did not start within 20 s")


@contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    """Start Dovecot (fail in CI, skip elsewhere, when it is not installed). The free
    port is found before Dovecot binds it, so another process may take it in between:
    a failed start is retried on a new port."""
    if not os.path.exists(DOVECOT):
        message = "dovecot-imapd is not installed (make test installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    for attempt in range(3):
        root = Path(tempfile.mkdtemp(prefix="hub-dovecot-"))
        try:
            server, process = _start(root)
        except RuntimeError:
            shutil.rmtree(root, ignore_errors=True)
            if attempt == 2:
                raise
            continue
        try:
            yield server
        finally:
            _stop(process)
            shutil.rmtree(root, ignore_errors=True)
        return


def _start(root: Path) -> tuple[Dovecot, subprocess.Popen[bytes]]:
    socks = [free_socket(), free_socket()]
    port, tls_port = (sock.getsockname()[1] for sock in socks)
    for sock in socks:
        sock.close()
    root.chmod(0o755)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    if os.geteuid() == 0:
        account = pwd.getpwnam("dovecot")
        internal, login = "dovecot", "dovenull"
    else:
        account = pwd.getpwuid(os.geteuid())
        internal = login = account.pw_name
    (root / "mail").mkdir()
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    if os.geteuid() == 0:
        os.chown(root / "mail", account.pw_uid, account.pw_gid)
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            root=root,
            port=port,
            tls_port=tls_port,
            internal=internal,
            login=login,
            mail_user=account.pw_uid,
            mail_group=account.pw_gid,
        )
    )
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_for_port(port, process, root)
    except RuntimeError:
        _stop(process)
        raise
    return Dovecot(port, tls_port, root), process


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
