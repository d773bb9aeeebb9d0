"""HAProxy in front of the cluster: one load balancer per region and one global entry.

- A **regional balancer** terminates TLS and spreads requests over the region's API servers,
  taking out of rotation any whose `/readyz` does not answer 200 (checked every second; two
  failures to go down, two successes to come back). Every response says which region served
  it (`X-Hotelreviews-Region`).
- The **global entry** terminates TLS too and picks a region by the request's `X-Region`
  header (a region's exact name; anything else, or none, means the default region). Each
  region's backend has that region's balancer as its one server and the other regions'
  balancers as `backup` servers, nearest first. Without `option allbackups` HAProxy sends
  traffic to the first healthy backup only: while a region's balancer fails its health check
  (it answers /readyz with 503 when none of its API servers is ready), its traffic goes to
  the nearest healthy region. The global entry reaches balancers over TLS, verifying their
  certificates against the cluster CA.

Each HAProxy runs as `haproxy -W -db -f <cfg>` (master-worker, in the foreground) under
hotelreviews.cluster.daemons: the master's pid and start time are recorded like any daemon's,
SIGTERM stops it with its worker, SIGUSR2 makes it reload the configuration file (a new
worker takes over; the old one finishes its requests). A configuration is checked with
`haproxy -c` before it replaces the running one. Each instance has an admin `stats socket`
in its directory, read by `server_states` (`show stat`) for `cluster status`.
"""

from __future__ import annotations

import csv
import enum
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from hotelreviews.cluster.daemons import Daemon, DaemonError, StopResult, accepts, wait_for_tcp
from hotelreviews.cluster.layout import PRIMARY_REGION, nearest_first

REGION_HEADER = "X-Region"
SERVED_BY_HEADER = "X-Hotelreviews-Region"
HEALTH_CHECK_PATH = "/readyz"
PRIMARY_CHECK_PATH = "/health/primary"
INSTALL_HINT = (
    "haproxy was not found: run scripts/ensure-system-packages.sh as root "
    "(or apt-get install haproxy)"
)
# AF_UNIX paths longer than this do not fit in sockaddr_un.
MAX_SOCKET_PATH = 107
STARTUP_TIMEOUT = 30.0

# TLS: Mozilla's "intermediate" profile (ssl-config.mozilla.org, guideline 5.8): TLS 1.2 and
# 1.3 only, and in TLS 1.2 only suites with forward secrecy (ECDHE) and an AEAD cipher — no
# static-RSA key exchange (AES128-SHA and the like), no CBC. Its DHE suites are left out, as
# guideline 5.8 itself does: they need an RSA certificate (the cluster's are ECDSA P-256,
# cluster/tls.py) and DH parameters to manage. The ECDHE-RSA suites stay, for an operator's
# RSA certificate. Clients' own order is kept (prefer-client-ciphers): every suite here is
# strong, and a client without AES hardware picks ChaCha20. No TLS session tickets: their key
# lives as long as the process and would decrypt every recorded session resumed with it.
TLS_CIPHERS = ":".join(
    [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
    ]
)
TLS13_CIPHERSUITES = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
TLS_CURVES = "X25519:prime256v1:secp384r1"
TLS_BIND_OPTIONS = "prefer-client-ciphers ssl-min-ver TLSv1.2 no-tls-tickets"
TLS_SERVER_OPTIONS = "ssl-min-ver TLSv1.2 no-tls-tickets"

# What both kinds of instance share. Health checks every second (every 500 ms while a server
# is changing state, every second while down) so that a failed region or server is out of
# rotation in about two seconds; timeouts suit an API (an upload of a feed file may take a
# minute); a request whose connection failed is retried twice, on another server when one
# is available.
_COMMON = """\
global
    maxconn 4096
    nbthread {threads}
    # Server state changes (notice and above) go to stdout, i.e. the daemon's log file; the
    # API servers log every request themselves.
    log stdout format raw local0 notice
    stats socket {stats_socket} mode 600 level admin
    # TLS per Mozilla's "intermediate" profile, on what clients reach (bind) and on what the
    # global entry reaches (server): see TLS_CIPHERS.
    ssl-default-bind-ciphers {tls_ciphers}
    ssl-default-bind-ciphersuites {tls13_ciphersuites}
    ssl-default-bind-curves {tls_curves}
    ssl-default-bind-options {tls_bind_options}
    ssl-default-server-ciphers {tls_ciphers}
    ssl-default-server-ciphersuites {tls13_ciphersuites}
    ssl-default-server-options {tls_server_options}

defaults
    mode http
    log global
    option dontlognull
    option redispatch
    retries 2
    # A request whose server died under it is retried on another (the next healthy one, or
    # a backup region) — reads only (each frontend disables it for other methods): a write
    # may have been committed before its answer was lost; clients retry those with their
    # Idempotency-Key.
    retry-on conn-failure empty-response response-timeout
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    timeout http-keep-alive 10s
    timeout queue 5s
    timeout check 2s
    default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 2
"""


@dataclass(frozen=True)
class Endpoint:
    address: str
    port: int

    def __str__(self) -> str:
        return f"{self.address}:{self.port}"


@dataclass(frozen=True)
class RegionRoute:
    """How the global entry reaches a region's balancer: where, and the name its
    certificate carries (sent as SNI and verified)."""

    endpoint: Endpoint
    server_name: str


def render_regional_config(
    region: str,
    *,
    bind: Endpoint,
    certificate: Path,
    api_servers: Sequence[Endpoint],
    stats_socket: Path,
    threads: int = 1,
) -> str:
    """The configuration of `region`'s load balancer over its API servers."""
    servers = "".join(
        f"    server api-{number} {server} check\n" for number, server in enumerate(api_servers, 1)
    )
    return (
        _common(stats_socket, threads)
        + f"""
frontend api
    bind {bind} ssl crt {certificate} alpn h2,http/1.1
    option forwardfor
    http-request set-header X-Forwarded-Proto https
    http-request disable-l7-retry if !METH_GET
    # After every response, HAProxy's own error pages included.
    http-after-response set-header {SERVED_BY_HEADER} {region}
    default_backend api

backend api
    balance roundrobin
    option httpchk GET {HEALTH_CHECK_PATH}
    http-check expect status 200
{servers}"""
    )


def render_global_config(
    *,
    bind: Endpoint,
    certificate: Path,
    ca_file: Path,
    regions: Mapping[str, RegionRoute],
    stats_socket: Path,
    default_region: str = PRIMARY_REGION,
    drained: frozenset[str] = frozenset(),
    via: Mapping[tuple[str, str], Endpoint] | None = None,
    threads: int = 1,
) -> str:
    """The configuration of the global entry over the regions' balancers. A `drained`
    region's balancer is in maintenance everywhere: its own traffic goes to the nearest
    other region and no region's traffic fails over to it. `via[(backend's region, server's
    region)]`, when given, is where that backend reaches that balancer instead of its own
    endpoint (cluster up --latency: through a relay that delays it by their round trip)."""
    if default_region not in regions:
        raise ValueError(f"default region {default_region!r} is not one of {sorted(regions)}")
    # Writes (anything but GET, HEAD and OPTIONS) go to the region whose server is the
    # primary: there a write costs local round trips, not one across the world per statement.
    writes = "!METH_GET !METH_OPTIONS"
    routes = "".join(
        f"    use_backend writes-{region} if {writes} "
        f"{{ req.hdr({REGION_HEADER}) -m str {region} }}\n"
        f"    use_backend region-{region} if {{ req.hdr({REGION_HEADER}) -m str {region} }}\n"
        for region in regions
    )
    routes += f"    use_backend writes-{default_region} if {writes}\n"
    backends = "".join(
        _region_backend(region, regions, ca_file, drained, via or {})
        + _writes_backend(region, regions, ca_file, drained, via or {})
        for region in regions
    )
    return (
        _common(stats_socket, threads)
        + f"""
frontend entry
    bind {bind} ssl crt {certificate} alpn h2,http/1.1
    # The edge: a client's own X-Forwarded-For is dropped, so the address the apps' rate
    # limits see is the one this entry saw, not one the client chose.
    http-request del-header X-Forwarded-For
    option forwardfor
    http-request set-header X-Forwarded-Proto https
    http-request disable-l7-retry if !METH_GET
{routes}    default_backend region-{default_region}
{backends}"""
    )


def _region_backend(
    region: str,
    regions: Mapping[str, RegionRoute],
    ca_file: Path,
    drained: frozenset[str],
    via: Mapping[tuple[str, str], Endpoint],
) -> str:
    servers = []
    # The region itself, then the others by round trip (layout.ROUND_TRIP_MS).
    order = [name for name in nearest_first(region) if name in regions]
    for position, name in enumerate(order):
        route = regions[name]
        identity = _identity(route)
        backup = " backup" if position else ""
        disabled = " disabled" if name in drained else ""  # starts in maintenance
        endpoint = via.get((region, name), route.endpoint)
        servers.append(f"    server {name} {endpoint} {identity}{backup}{disabled}\n")
    return f"""
backend region-{region}
    # Checks of other regions' balancers cross a long link (with --latency, a TLS handshake
    # and a request through a relay: three round trips, up to 660 ms) on top of the
    # balancer's own check of its APIs: 2 s, the default, flapped healthy regions.
    timeout check 5s
    option httpchk GET {HEALTH_CHECK_PATH}
    http-check expect status 200
    # Traffic and health checks over TLS; the balancer's certificate must chain to our CA and
    # carry the name the global entry asked for.
    default-server check check-ssl ssl verify required ca-file {ca_file}
{"".join(servers)}"""


def _writes_backend(
    region: str,
    regions: Mapping[str, RegionRoute],
    ca_file: Path,
    drained: frozenset[str],
    via: Mapping[tuple[str, str], Endpoint],
) -> str:
    """Writes of `region`'s clients: every region's balancer, of which only the one whose
    APIs say the primary is theirs (GET /health/primary) passes its check; with none (no
    primary, or a failover under way) the region's own balancer, unchecked, answers — its
    APIs then find the primary themselves or refuse with 503 and Retry-After."""
    servers = []
    for name in (name for name in nearest_first(region) if name in regions):
        route = regions[name]
        disabled = " disabled" if name in drained else ""
        endpoint = via.get((region, name), route.endpoint)
        servers.append(f"    server {name} {endpoint} {_identity(route)}{disabled}\n")
    own = regions[region]
    servers.append(
        f"    server {region}-fallback {own.endpoint} {_identity(own)} no-check backup\n"
    )
    return f"""
backend writes-{region}
    balance first
    timeout check 5s
    option httpchk GET {PRIMARY_CHECK_PATH}
    http-check expect status 200
    default-server check check-ssl ssl verify required ca-file {ca_file}
{"".join(servers)}"""


def _identity(route: RegionRoute) -> str:
    """SNI sent, and the name the balancer's certificate must carry."""
    return (
        f"sni str({route.server_name}) check-sni {route.server_name} verifyhost {route.server_name}"
    )


def _common(stats_socket: Path, threads: int) -> str:
    if len(str(stats_socket)) > MAX_SOCKET_PATH:
        raise ValueError(
            f"the stats socket path {stats_socket} is longer than {MAX_SOCKET_PATH} "
            f"characters (a Unix socket limit): use a shorter cluster directory"
        )
    return _COMMON.format(
        stats_socket=stats_socket,
        threads=threads,
        tls_ciphers=TLS_CIPHERS,
        tls13_ciphersuites=TLS13_CIPHERSUITES,
        tls_curves=TLS_CURVES,
        tls_bind_options=TLS_BIND_OPTIONS,
        tls_server_options=TLS_SERVER_OPTIONS,
    )


class Applied(enum.Enum):
    """What `apply` did."""

    STARTED = "started"
    RELOADED = "reloaded"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ServerState:
    """One server line of `show stat`."""

    backend: str
    server: str
    status: str  # UP, DOWN, "UP 1/2" (failing), "DOWN 1/2" (recovering), MAINT, "no check"
    check_status: str  # e.g. L7OK, L7STS (wrong status), L4CON (refused), L6RSP (TLS)
    backup: bool


@dataclass(frozen=True)
class HAProxy:
    """One HAProxy instance: a directory holding its configuration, pid file, log and stats
    socket."""

    name: str
    directory: Path

    @property
    def config_path(self) -> Path:
        return self.directory / "haproxy.cfg"

    @property
    def stats_socket(self) -> Path:
        return self.directory / "haproxy.sock"

    @property
    def daemon(self) -> Daemon:
        return Daemon(
            f"haproxy ({self.name})",
            self.directory / "haproxy.pid.json",
            self.directory / "haproxy.log",
        )

    def apply(self, config: str, *, listen: Endpoint, timeout: float = STARTUP_TIMEOUT) -> Applied:
        """Run with `config`: start when not running, reload when the configuration
        changed, nothing otherwise. `listen` is the frontend's address, waited for."""
        if not self.daemon.is_running():
            self.start(config, listen=listen, timeout=timeout)
            return Applied.STARTED
        if self.config_path.exists() and self.config_path.read_text() == config:
            return Applied.UNCHANGED
        self.reload(config, timeout=timeout)
        return Applied.RELOADED

    def start(self, config: str, *, listen: Endpoint, timeout: float = STARTUP_TIMEOUT) -> None:
        """Check and write `config`, start HAProxy, wait until it listens and its stats socket
        answers."""
        if accepts(listen.address, listen.port):
            raise DaemonError(
                f"cannot start {self.daemon.name}: something else listens on {listen}; "
                f"stop it or choose another port"
            )
        binary = haproxy_binary()
        self._install(config, binary)
        self.daemon.start([binary, "-W", "-db", "-f", str(self.config_path)], cwd=self.directory)
        wait_for_tcp(listen.address, listen.port, timeout, daemon=self.daemon)
        self._wait_for_worker(lambda pid: pid is not None, timeout)

    def reload(self, config: str, *, timeout: float = STARTUP_TIMEOUT) -> None:
        """Check and write `config`, have the running master load it, and wait until its new
        worker answers on the stats socket."""
        binary = haproxy_binary()
        old_worker = _worker_pid(self.stats_socket)
        self._install(config, binary)
        self.daemon.send_signal(signal.SIGUSR2)
        self._wait_for_worker(lambda pid: pid is not None and pid != old_worker, timeout)

    def stop(self) -> StopResult:
        """Stop the master and its workers (SIGTERM: connections are closed at once)."""
        return self.daemon.stop()

    def worker_pid(self) -> int | None:
        """The pid of the worker serving now (None when none answers on the stats socket)."""
        return _worker_pid(self.stats_socket)

    def server_states(self, backend: str) -> dict[str, str]:
        """Server name → status (UP, DOWN, ...) of one backend."""
        return {
            state.server: state.status
            for state in read_server_states(self.stats_socket)
            if state.backend == backend
        }

    def _install(self, config: str, binary: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        candidate = self.config_path.with_name(self.config_path.name + ".new")
        candidate.write_text(config)
        check = subprocess.run(
            [binary, "-c", "-q", "-f", str(candidate)],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            raise DaemonError(
                f"the configuration for {self.daemon.name} is invalid (kept in {candidate}; "
                f"the running one, if any, is unchanged):\n{(check.stderr or check.stdout).strip()}"
            )
        candidate.replace(self.config_path)

    def _wait_for_worker(self, ready: Callable[[int | None], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not ready(_worker_pid(self.stats_socket)):
            if not self.daemon.is_running():
                raise DaemonError(
                    f"{self.daemon.name} exited; its log {self.daemon.log_file} ends with:\n"
                    f"{self.daemon.log_tail()}"
                )
            if time.monotonic() >= deadline:
                raise DaemonError(
                    f"{self.daemon.name}'s worker did not answer on {self.stats_socket} within "
                    f"{timeout:g} s; its log {self.daemon.log_file} ends with:\n"
                    f"{self.daemon.log_tail()}"
                )
            time.sleep(0.05)


def haproxy_binary() -> str:
    # Debian installs it in /usr/sbin, not on every user's PATH.
    binary = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if binary is None:
        raise DaemonError(INSTALL_HINT)
    return binary


def read_server_states(stats_socket: Path) -> list[ServerState]:
    """Every server of every backend, as the instance behind `stats_socket` sees it now."""
    rows = csv.DictReader(_stats_command(stats_socket, "show stat").removeprefix("# ").splitlines())
    return [
        ServerState(
            backend=row["pxname"],
            server=row["svname"],
            status=row["status"],
            check_status=row["check_status"],
            backup=row["bck"] == "1",
        )
        for row in rows
        if row.get("svname") not in ("FRONTEND", "BACKEND", None)
    ]


def _worker_pid(stats_socket: Path) -> int | None:
    """The pid of the worker answering on the stats socket, None while none does."""
    try:
        info = _stats_command(stats_socket, "show info")
    except OSError:
        return None
    for line in info.splitlines():
        if line.startswith("Pid:"):
            return int(line.split(":", 1)[1])
    return None


def _stats_command(stats_socket: Path, command: str) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(5.0)
        connection.connect(str(stats_socket))
        connection.sendall(command.encode() + b"\n")
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")
