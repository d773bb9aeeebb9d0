"""deploy/aws and deploy/k8s agree: what each region's rendered overlay names — IAM roles,
Secrets Manager secrets, VPC CIDRs, node pools, the feeds bucket — is what that region's
synthesized stacks create. Each side has its own tests; this one fails when they drift apart
(docs/deployment.md, "The contract between the two")."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
import yaml

from cost.estimate import aws_call_action, aws_call_field
from tests.deploy.kustomize import REGIONS, render_text

TAINT_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute"}


@pytest.fixture(scope="module")
def overlays() -> dict[str, list[dict[str, Any]]]:
    return {region: list(yaml.safe_load_all(render_text(region))) for region in REGIONS}


def of_type(template: dict, cfn_type: str) -> list[dict]:
    return [
        r.get("Properties", {}) for r in template["Resources"].values() if r["Type"] == cfn_type
    ]


def of_kind(objects: list[dict], kind: str) -> list[dict]:
    return [obj for obj in objects if obj["kind"] == kind]


def literal(value: Any) -> str | None:
    """A template value when it is a plain string (names are; generated ids are not)."""
    return value if isinstance(value, str) else None


def secrets_in_region(templates: list[dict]) -> set[str]:
    """Secret names that exist in a region: created by its stacks, or replicated into it
    (a replica region's stack asks for its replicas with an AWS API call)."""
    names = {
        literal(p.get("Name")) for t in templates for p in of_type(t, "AWS::SecretsManager::Secret")
    }
    for template in templates:
        for call in of_type(template, "Custom::AWS"):
            if aws_call_action(call) == "replicateSecretToRegions":
                names.add(aws_call_field(call, "SecretId"))
    return {name for name in names if name}


@pytest.mark.parametrize("region", REGIONS)
def test_service_accounts_name_roles_the_region_stack_creates(overlays, template, region):
    roles = {
        literal(p.get("RoleName"))
        for p in of_type(template(f"HotelReviews-Region-{region}").to_json(), "AWS::IAM::Role")
    }
    for account in of_kind(overlays[region], "ServiceAccount"):
        arn = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        assert arn.rsplit("/", 1)[1] in roles, (region, arn, sorted(r for r in roles if r))


@pytest.mark.parametrize("region", REGIONS)
def test_external_secrets_read_secrets_that_exist_in_the_region(overlays, stacks, template, region):
    # Secrets Manager is regional: a cluster reads its own region's copies.
    in_region = secrets_in_region(
        [template(name).to_json() for name, stack in stacks.items() if stack.region == region]
    )
    for external in of_kind(overlays[region], "ExternalSecret"):
        for item in external["spec"]["data"]:
            key = item["remoteRef"]["key"]
            assert key in in_region, (region, external["metadata"]["name"], key, in_region)


@pytest.mark.parametrize("region", REGIONS)
def test_network_policies_admit_the_vpcs_the_stacks_build(overlays, template, region):
    vpc_cidrs = {
        name: {p["CidrBlock"] for p in of_type(template(name).to_json(), "AWS::EC2::VPC")}
        for name in (f"HotelReviews-Region-{region}", "HotelReviews-Region-us-east-1")
    }
    (policy,) = [
        p
        for p in of_kind(overlays[region], "NetworkPolicy")
        if p["metadata"]["name"] == "hotelreviews-data-stores"
    ]
    admitted = {
        ipaddress.ip_network(peer["ipBlock"]["cidr"])
        for rule in policy["spec"]["egress"]
        for peer in rule["to"]
    }
    built = {ipaddress.ip_network(c) for cidrs in vpc_cidrs.values() for c in cidrs}
    assert admitted == built, region


@pytest.mark.parametrize("region", REGIONS)
def test_pods_select_node_pools_the_cluster_has(overlays, template, region):
    groups = of_type(template(f"HotelReviews-Region-{region}").to_json(), "AWS::EKS::Nodegroup")
    for workload in [*of_kind(overlays[region], "Deployment"), *of_kind(overlays[region], "Job")]:
        pod = workload["spec"]["template"]["spec"]
        matching = [
            g
            for g in groups
            if all(g.get("Labels", {}).get(k) == v for k, v in pod["nodeSelector"].items())
        ]
        assert matching, (region, workload["metadata"]["name"])
        for group in matching:  # every taint of the chosen pool is tolerated
            for taint in group.get("Taints", []):
                wanted = {
                    "key": taint["Key"],
                    "operator": "Equal",
                    "value": taint["Value"],
                    "effect": TAINT_EFFECTS[taint["Effect"]],
                }
                assert wanted in pod.get("tolerations", []), (region, workload["metadata"])


@pytest.mark.parametrize("region", REGIONS)
def test_workers_poll_the_feeds_bucket_they_may_read(overlays, template, region):
    buckets = [
        literal(b.get("BucketName"))
        for b in of_type(template("HotelReviews-Feeds").to_json(), "AWS::S3::Bucket")
    ]
    (config,) = [
        c
        for c in of_kind(overlays[region], "ConfigMap")
        if c["metadata"]["name"].startswith("hotelreviews-region-")
    ]
    source = config["data"]["HOTELREVIEWS_WORKER_SOURCES"]
    polled = source.removeprefix("s3://").split("/", 1)[0]
    assert polled in buckets, (region, source, buckets)
    worker_role = f"hotelreviews-{region}-worker"
    region_template = template(f"HotelReviews-Region-{region}").to_json()
    role_ids = [
        logical
        for logical, r in region_template["Resources"].items()
        if r["Type"] == "AWS::IAM::Role" and r["Properties"].get("RoleName") == worker_role
    ]
    assert role_ids, worker_role
    granted = str(
        [
            r["Properties"]["PolicyDocument"]
            for r in region_template["Resources"].values()
            if r["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
            and any({"Ref": role} in r["Properties"].get("Roles", []) for role in role_ids)
        ]
    )
    assert f"arn:aws:s3:::{polled}" in granted, (region, worker_role)
