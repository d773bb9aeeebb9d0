"""Real HAProxy in front of stand-in API servers (hotelreviews.cluster.haproxy): a regional
balancer per region and the global entry, with certificates from the cluster CA.

Each stand-in answers `/readyz` with 200 or 503 (switchable) and any other path with who it
is and the forwarding headers it received. The tests wait for HAProxy's health checks to
see a change by polling until the expected answer comes (or a generous deadline passes);
they never assert on how long that took.
"""

from __future__ import annotations

import json
import shutil
import ssl
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hotelreviews.cluster import haproxy, tls
from hotelreviews.cluster.daemons import DaemonError, StopResult, process_start_time
from hotelreviews.cluster.layout import REGIONS
from tests.support.pg_server import free_port

pytestmark = pytest.mark.skipif(
    shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists(),
    reason=haproxy.INSTALL_HINT,
)

LOCAL = "127.0.0.1"
DEADLINE = 60.0  # seconds: only how long a test may wait before failing


class _StandInHandler(BaseHTTPRequestHandler):
    server: _StandInHTTPServer

    def do_GET(self) -> None:  # noqa: N802 - the http.server naming
        if self.path == "/readyz":
            status = 200 if self.server.ready else 503
            self._send(status, {"ready": self.server.ready})
        elif self.path == "/health/primary":
            self._send(200 if self.server.primary else 503, {"primary": self.server.primary})
        else:
            self._send(
                200,
                {
                    "served_by": self.server.name,
                    "forwarded_proto": self.headers.get("X-Forwarded-Proto"),
                    "forwarded_for": self.headers.get_all("X-Forwarded-For"),
                },
            )

    def do_POST(self) -> None:  # noqa: N802 - the http.server naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send(202, {"served_by": self.server.name, "method": "POST"})

    def _send(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - overridden name
        pass  # health checks every second would flood the test output


class _StandInHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    name: str
    ready: bool
    primary: bool  # answers /health/primary with 200

    def handle_error(self, request: object, client_address: object) -> None:
        # HAProxy's health checks may hang up before the answer is written (a reset):
        # nothing to report, and the default handler prints a traceback into the test run.
        pass


@dataclass
class StandInApi:
    """An API server stand-in on 127.0.0.1 and a free port, served from a thread."""

    name: str
    server: _StandInHTTPServer = field(init=False)
    thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.server = _StandInHTTPServer((LOCAL, 0), _StandInHandler)
        self.server.name = self.name
        self.server.ready = True
        self.server.primary = self.name.startswith("us-east-1/")
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def endpoint(self) -> haproxy.Endpoint:
        return haproxy.Endpoint(LOCAL, self.server.server_address[1])

    def set_ready(self, ready: bool) -> None:
        self.server.ready = ready

    def set_primary(self, primary: bool) -> None:
        self.server.primary = primary

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@dataclass
class Cluster:
    ca: tls.CertificateAuthority
    client_tls: ssl.SSLContext
    apis: dict[str, list[StandInApi]]
    balancers: dict[str, haproxy.HAProxy]
    balancer_endpoints: dict[str, haproxy.Endpoint]
    entry: haproxy.HAProxy
    entry_endpoint: haproxy.Endpoint
    render_entry: Callable[[frozenset[str]], str]

    def get(
        self,
        endpoint: haproxy.Endpoint,
        path: str = "/hotels",
        region: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Message, dict[str, object]]:
        request = urllib.request.Request(f"https://{endpoint}{path}", headers=headers or {})
        if region is not None:
            request.add_header("X-Region", region)
        try:
            with urllib.request.urlopen(request, timeout=10, context=self.client_tls) as response:
                return response.status, response.headers, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, error.headers, {}

    def post(self, region: str | None) -> str | None:
        """Which stand-in answered a POST through the global entry (None: an error)."""
        request = urllib.request.Request(
            f"https://{self.entry_endpoint}/api/v1/ingestions", data=b"{}", method="POST"
        )
        if region is not None:
            request.add_header("X-Region", region)
        try:
            with urllib.request.urlopen(request, timeout=10, context=self.client_tls) as response:
                return str(json.loads(response.read())["served_by"])
        except urllib.error.HTTPError:
            return None

    def set_primary_region(self, primary: str | None) -> None:
        for region, apis in self.apis.items():
            for api in apis:
                api.set_primary(region == primary)

    def served_by(self, region: str | None) -> str | None:
        """Which stand-in answered a request through the global entry (None: an error)."""
        status, _headers, body = self.get(self.entry_endpoint, region=region)
        return str(body["served_by"]) if status == 200 else None

    def set_region_ready(self, region: str, ready: bool) -> None:
        for api in self.apis[region]:
            api.set_ready(ready)


def _eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def _region_name(region: str) -> str:
    return f"{region}.hotelreviews.internal"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    # A short directory: HAProxy's stats sockets must fit in a Unix socket address.
    root = Path(tempfile.mkdtemp(prefix="hr-haproxy-"))
    apis = {region: [StandInApi(f"{region}/api-{n}") for n in (1, 2)] for region in REGIONS}
    instances: list[haproxy.HAProxy] = []
    try:
        ca = tls.ensure_ca(root / "tls")
        balancers, endpoints = {}, {}
        for region in REGIONS:
            pem = tls.ensure_server_certificate(
                ca,
                root / region / "haproxy.pem",
                dns_names=["localhost", _region_name(region)],
                ip_addresses=[LOCAL],
            ).pem_path
            balancer = haproxy.HAProxy(region, root / region)
            endpoint = haproxy.Endpoint(LOCAL, free_port(LOCAL))
            instances.append(balancer)
            config = haproxy.render_regional_config(
                region,
                bind=endpoint,
                certificate=pem,
                api_servers=[api.endpoint for api in apis[region]],
                stats_socket=balancer.stats_socket,
            )
            assert balancer.apply(config, listen=endpoint) is haproxy.Applied.STARTED
            balancers[region], endpoints[region] = balancer, endpoint

        entry = haproxy.HAProxy("global", root / "global")
        entry_endpoint = haproxy.Endpoint(LOCAL, free_port(LOCAL))
        instances.append(entry)
        entry_pem = tls.ensure_server_certificate(
            ca, root / "global" / "haproxy.pem", dns_names=["localhost"], ip_addresses=[LOCAL]
        ).pem_path

        def render_entry(drained: frozenset[str] = frozenset()) -> str:
            return haproxy.render_global_config(
                bind=entry_endpoint,
                certificate=entry_pem,
                ca_file=ca.cert_path,
                regions={
                    region: haproxy.RegionRoute(endpoints[region], _region_name(region))
                    for region in REGIONS
                },
                stats_socket=entry.stats_socket,
                drained=drained,
            )

        assert entry.apply(render_entry(), listen=entry_endpoint) is haproxy.Applied.STARTED

        client_tls = ssl.create_default_context(cafile=str(ca.cert_path))
        made = Cluster(
            ca, client_tls, apis, balancers, endpoints, entry, entry_endpoint, render_entry
        )
        # Every region's balancer up in the global entry's eyes before any test starts.
        _eventually(
            lambda: all(
                entry.server_states(f"region-{region}")[region] == "UP" for region in REGIONS
            ),
            "every region to be UP at the global entry",
        )
        yield made
    finally:
        for instance in instances:
            instance.stop()
        for region_apis in apis.values():
            for api in region_apis:
                api.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def all_ready(cluster: Cluster) -> Iterator[Cluster]:
    """The cluster with every stand-in ready again after the test, and seen so."""
    try:
        yield cluster
    finally:
        for region in REGIONS:
            cluster.set_region_ready(region, True)
        _eventually(
            lambda: all(
                cluster.entry.server_states(f"region-{region}")[region] == "UP"
                for region in REGIONS
            ),
            "every region to be UP again",
        )


def test_a_request_verified_against_the_cluster_ca_reaches_the_default_region(
    cluster: Cluster,
) -> None:
    status, headers, body = cluster.get(cluster.entry_endpoint)

    assert status == 200
    assert str(body["served_by"]).startswith("us-east-1/")
    assert headers["X-Hotelreviews-Region"] == "us-east-1"


def test_a_client_without_the_cluster_ca_is_refused_by_its_own_verification(
    cluster: Cluster,
) -> None:
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        urllib.request.urlopen(
            f"https://{cluster.entry_endpoint}/hotels",
            timeout=10,
            context=ssl.create_default_context(),
        )


@pytest.mark.parametrize("region", REGIONS)
def test_the_region_header_picks_the_region(cluster: Cluster, region: str) -> None:
    status, headers, body = cluster.get(cluster.entry_endpoint, region=region)

    assert status == 200
    assert str(body["served_by"]).startswith(f"{region}/")
    assert headers["X-Hotelreviews-Region"] == region


@pytest.mark.parametrize("header", ["mars-north-1", "", "EU-WEST-1"])
def test_an_unknown_region_header_means_the_default_region(cluster: Cluster, header: str) -> None:
    assert str(cluster.served_by(header)).startswith("us-east-1/")


def test_a_regional_balancer_spreads_requests_and_forwards_the_client(cluster: Cluster) -> None:
    served = set()
    for _ in range(4):
        status, headers, body = cluster.get(cluster.balancer_endpoints["eu-west-1"])
        assert status == 200
        assert headers["X-Hotelreviews-Region"] == "eu-west-1"
        assert body["forwarded_proto"] == "https"
        assert body["forwarded_for"] == [LOCAL]
        served.add(body["served_by"])

    assert served == {"eu-west-1/api-1", "eu-west-1/api-2"}


def test_writes_go_to_the_region_of_the_primary_and_reads_stay_at_home(
    all_ready: Cluster,
) -> None:
    cluster = all_ready
    try:
        # us-east-1's APIs say the primary is theirs (the stand-ins' start).
        _eventually(
            lambda: str(cluster.post("ap-southeast-1")).startswith("us-east-1/"),
            "ap-southeast-1's writes to reach us-east-1",
        )
        assert str(cluster.post(None)).startswith("us-east-1/")
        assert str(cluster.served_by("ap-southeast-1")).startswith("ap-southeast-1/")

        cluster.set_primary_region("eu-west-1")  # a failover moved it
        _eventually(
            lambda: all(str(cluster.post(region)).startswith("eu-west-1/") for region in REGIONS),
            "every region's writes to follow the primary to eu-west-1",
        )

        cluster.set_primary_region(None)  # no primary anywhere: each region's own answers
        _eventually(
            lambda: str(cluster.post("ap-southeast-1")).startswith("ap-southeast-1/"),
            "ap-southeast-1's writes to fall back to its own region",
        )
    finally:
        cluster.set_primary_region("us-east-1")
    _eventually(
        lambda: str(cluster.post("eu-west-1")).startswith("us-east-1/"),
        "writes to reach us-east-1 again",
    )


def test_the_global_entry_drops_a_forwarded_for_the_client_sent(cluster: Cluster) -> None:
    status, _, body = cluster.get(
        cluster.entry_endpoint, region="eu-west-1", headers={"X-Forwarded-For": "203.0.113.9"}
    )
    assert status == 200
    # The entry's view of the client, then the entry as the balancer saw it: nothing chosen
    # by the client, whom the apps' rate limits would otherwise believe.
    assert body["forwarded_for"] == [LOCAL, LOCAL]


def test_a_regional_balancer_leaves_out_an_api_server_that_is_not_ready(
    all_ready: Cluster,
) -> None:
    cluster = all_ready
    balancer = cluster.balancers["ap-southeast-1"]
    cluster.apis["ap-southeast-1"][0].set_ready(False)

    _eventually(
        lambda: balancer.server_states("api") == {"api-1": "DOWN", "api-2": "UP"},
        "api-1 DOWN in ap-southeast-1's balancer",
    )
    answers = {
        cluster.get(cluster.balancer_endpoints["ap-southeast-1"])[2]["served_by"] for _ in range(4)
    }
    assert answers == {"ap-southeast-1/api-2"}


def test_a_region_with_no_ready_api_server_sends_its_traffic_to_the_nearest_region_until_it_recovers(  # noqa: E501
    all_ready: Cluster,
) -> None:
    cluster = all_ready
    cluster.set_region_ready("eu-west-1", False)

    # us-east-1 (70 ms away) rather than ap-southeast-1 (160 ms).
    _eventually(
        lambda: str(cluster.served_by("eu-west-1")).startswith("us-east-1/"),
        "eu-west-1's traffic to reach us-east-1",
    )
    states = cluster.entry.server_states("region-eu-west-1")
    assert states == {"eu-west-1": "DOWN", "us-east-1": "UP", "ap-southeast-1": "UP"}
    # The balancer's own checks run apart from the global entry's: either may notice first.
    _eventually(
        lambda: (
            cluster.balancers["eu-west-1"].server_states("api")
            == {"api-1": "DOWN", "api-2": "DOWN"}
        ),
        "both API servers DOWN in eu-west-1's balancer",
    )
    assert str(cluster.served_by("ap-southeast-1")).startswith("ap-southeast-1/")

    cluster.set_region_ready("eu-west-1", True)

    _eventually(
        lambda: str(cluster.served_by("eu-west-1")).startswith("eu-west-1/"),
        "eu-west-1's traffic to come back",
    )


def test_a_drained_region_is_served_by_the_nearest_one_and_takes_nobody_else_s_traffic(
    all_ready: Cluster,
) -> None:
    cluster = all_ready
    try:
        applied = cluster.entry.apply(
            cluster.render_entry(frozenset({"eu-west-1"})), listen=cluster.entry_endpoint
        )
        assert applied is haproxy.Applied.RELOADED
        _eventually(
            lambda: str(cluster.served_by("eu-west-1")).startswith("us-east-1/"),
            "eu-west-1's traffic to reach us-east-1",
        )
        for region in REGIONS:  # in maintenance in every region's backend
            assert cluster.entry.server_states(f"region-{region}")["eu-west-1"] == "MAINT"
        # ap-southeast-1 down: its traffic skips drained eu-west-1 for us-east-1.
        cluster.set_region_ready("ap-southeast-1", False)
        _eventually(
            lambda: str(cluster.served_by("ap-southeast-1")).startswith("us-east-1/"),
            "ap-southeast-1's traffic to reach us-east-1, not the drained eu-west-1",
        )
    finally:
        cluster.entry.apply(cluster.render_entry(frozenset()), listen=cluster.entry_endpoint)
    _eventually(
        lambda: str(cluster.served_by("eu-west-1")).startswith("eu-west-1/"),
        "eu-west-1's traffic to come back once it is no longer drained",
    )


def test_the_nearest_healthy_region_takes_over_when_the_nearest_is_down_too(
    all_ready: Cluster,
) -> None:
    cluster = all_ready
    cluster.set_region_ready("ap-southeast-1", False)
    _eventually(
        lambda: str(cluster.served_by("ap-southeast-1")).startswith("eu-west-1/"),
        "ap-southeast-1's traffic to reach eu-west-1, its nearest region",
    )

    cluster.set_region_ready("eu-west-1", False)

    _eventually(
        lambda: str(cluster.served_by("ap-southeast-1")).startswith("us-east-1/"),
        "ap-southeast-1's traffic to reach us-east-1 once eu-west-1 is down too",
    )


def test_the_stats_socket_reports_every_server_with_its_role(cluster: Cluster) -> None:
    states = {
        (state.backend, state.server): state
        for state in haproxy.read_server_states(cluster.entry.stats_socket)
    }

    regional = {(f"region-{region}", server) for region in REGIONS for server in REGIONS}
    writes = {(f"writes-{region}", server) for region in REGIONS for server in REGIONS}
    writes |= {(f"writes-{region}", f"{region}-fallback") for region in REGIONS}
    assert set(states) == regional | writes
    assert not states[("region-eu-west-1", "eu-west-1")].backup
    assert states[("writes-eu-west-1", "eu-west-1-fallback")].backup
    assert states[("region-eu-west-1", "us-east-1")].backup
    assert states[("region-eu-west-1", "eu-west-1")].check_status == "L7OK"


def test_a_changed_configuration_is_reloaded_and_an_unchanged_one_left_alone(
    cluster: Cluster,
) -> None:
    balancer = cluster.balancers["us-east-1"]
    master = balancer.daemon.pid
    config = balancer.config_path.read_text()
    extra = StandInApi("us-east-1/api-3")
    try:
        assert balancer.apply(config, listen=cluster.balancer_endpoints["us-east-1"]) is (
            haproxy.Applied.UNCHANGED
        )
        grown = config + f"    server api-3 {extra.endpoint} check\n"

        assert balancer.apply(grown, listen=cluster.balancer_endpoints["us-east-1"]) is (
            haproxy.Applied.RELOADED
        )

        assert balancer.daemon.pid == master
        _eventually(
            lambda: balancer.server_states("api").get("api-3") == "UP", "api-3 UP after reload"
        )
    finally:
        balancer.reload(config)
        extra.close()


def test_an_invalid_configuration_is_refused_and_the_running_one_kept(cluster: Cluster) -> None:
    balancer = cluster.balancers["us-east-1"]
    config = balancer.config_path.read_text()

    with pytest.raises(DaemonError, match="is invalid"):
        balancer.reload(config + "    no-such-keyword here\n")

    assert balancer.config_path.read_text() == config
    assert cluster.get(cluster.balancer_endpoints["us-east-1"])[0] == 200


def test_stopping_an_instance_ends_its_master_and_workers(cluster: Cluster) -> None:
    # A balancer of its own: the module's cluster keeps running for the other tests.
    root = Path(tempfile.mkdtemp(prefix="hr-haproxy-"))
    instance = haproxy.HAProxy("spare", root)
    endpoint = haproxy.Endpoint(LOCAL, free_port(LOCAL))
    pem = tls.ensure_server_certificate(cluster.ca, root / "spare.pem", dns_names=["localhost"])
    try:
        config = haproxy.render_regional_config(
            "us-east-1",
            bind=endpoint,
            certificate=pem.pem_path,
            api_servers=[],
            stats_socket=instance.stats_socket,
        )
        instance.apply(config, listen=endpoint)
        master = instance.daemon.pid
        assert master is not None
        worker = instance.worker_pid()
        assert worker is not None and worker != master

        assert instance.stop() is StopResult.TERMINATED

        assert process_start_time(master) is None
        assert process_start_time(worker) is None
    finally:
        instance.stop()
        shutil.rmtree(root, ignore_errors=True)
