"""The capacity plan (deploy/aws/cost/capacity.py): its sizing rules do what capacity.toml
says they do, and docs/capacity.md shows the plan the current inputs and stacks give
(`make capacity`)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from cost.capacity import (
    BEGIN,
    END,
    INPUTS,
    at_rest_others,
    checked_inputs,
    load_inputs,
    monthly_requests,
    plan_regions,
    report,
    tiered,
)
from cost.estimate import Line, PriceBook, estimate
from tests.deploy.kustomize import render_text

ROOT = Path(__file__).resolve().parents[3]


def _inputs(**plan: object) -> dict:
    inputs = copy.deepcopy(load_inputs())
    inputs["plan"].update(plan)
    return inputs


def test_docs_show_the_plan_of_the_current_inputs_and_stacks(templates) -> None:
    document = (ROOT / "docs" / "capacity.md").read_text()
    assert BEGIN in document and END in document, "docs/capacity.md lost its markers"
    shown = document[document.index(BEGIN) : document.index(END) + len(END)]
    expected = report(estimate(templates, PriceBook()))
    assert shown.strip() == expected.strip(), "docs/capacity.md is stale: run `make capacity`"


@pytest.mark.parametrize("plan", plan_regions(load_inputs()), ids=lambda plan: plan.region)
def test_each_region_can_scale_its_api_to_what_the_plan_sizes_it_for(plan, template) -> None:
    # The HPA's ceiling in the region's overlay and the API node group's maximum size: a
    # region taking over another's traffic must not stop short of the plan.
    rendered = yaml.safe_load_all(render_text(plan.region))
    (hpa,) = [o for o in rendered if o and o["kind"] == "HorizontalPodAutoscaler"]
    assert hpa["spec"]["maxReplicas"] >= plan.pods
    resources = template(f"HotelReviews-Region-{plan.region}").to_json()["Resources"]
    (api_nodes,) = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::EKS::Nodegroup" and r["Properties"]["NodegroupName"] == "api"
    ]
    assert api_nodes["ScalingConfig"]["MaxSize"] >= plan.api_nodes


def test_each_region_is_sized_for_its_peak_and_half_the_largest_other_regions() -> None:
    shares = {"a": 0.5, "b": 0.3, "c": 0.2}
    plans = {p.region: p for p in plan_regions(_inputs(region_share=shares, failover_share=0.5))}
    assert plans["a"].peak_rps == pytest.approx(50_000)
    assert plans["a"].design_rps == pytest.approx(50_000 + 0.5 * 30_000)
    assert plans["b"].design_rps == pytest.approx(30_000 + 0.5 * 50_000)
    assert plans["c"].design_rps == pytest.approx(20_000 + 0.5 * 50_000)


def test_the_api_grows_with_the_rate_and_the_measured_cpu_per_request() -> None:
    inputs = _inputs(total_peak_rps=10_000)
    base = plan_regions(inputs)
    inputs["plan"]["total_peak_rps"] = 20_000
    double_rate = plan_regions(inputs)
    inputs["measured"]["api_cpu_ms"] *= 2
    double_both = plan_regions(inputs)
    for one, two, four in zip(base, double_rate, double_both, strict=True):
        assert two.api_vcpu == pytest.approx(2 * one.api_vcpu)
        assert four.api_vcpu == pytest.approx(4 * one.api_vcpu)
        assert one.pods >= one.api_vcpu  # one core's work per pod at most
        # Nodes hold the pods and the mesh's proxies within their usable vCPUs.
        usable = inputs["plan"]["node_usable_vcpu"]
        assert one.api_nodes * usable >= one.pods + one.proxy_vcpu
        assert (one.api_nodes - 1) * usable < one.pods + one.proxy_vcpu


def test_replicas_are_one_instance_that_fits_else_enough_of_the_largest() -> None:
    inputs = _inputs(total_peak_rps=1_000)
    small = plan_regions(inputs)[0]
    assert small.replicas == 1 and small.database_vcpu_each >= small.database_vcpu
    inputs["plan"]["total_peak_rps"] = 1_000_000
    large = plan_regions(inputs)[0]
    largest = max(inputs["plan"]["database_sizes"].values())
    assert large.database_vcpu_each == largest
    assert large.replicas * largest >= large.database_vcpu > (large.replicas - 1) * largest


def test_a_pooler_is_planned_when_the_pods_connections_pass_the_threshold() -> None:
    few = plan_regions(_inputs(total_peak_rps=1_000))[0]
    assert not few.pooler and few.connections_per_replica <= 1000
    many = plan_regions(_inputs(total_peak_rps=100_000, pooler_above=10))[0]
    assert many.pooler


def test_shares_that_do_not_add_up_are_refused() -> None:
    with pytest.raises(ValueError, match="add up to 1"):
        plan_regions(_inputs(region_share={"a": 0.5, "b": 0.4}))


def test_a_broken_inputs_file_is_refused_saying_what_is_wrong(tmp_path: Path) -> None:
    good = INPUTS.read_text()
    broken = tmp_path / "capacity.toml"
    cases = {
        "not valid TOML": good + "\n[plan\n",
        "'api_cpu_ms' is missing": good.replace("api_cpu_ms = ", "# api_cpu_ms = "),
        "region_share must add up to 1": good.replace(
            '"ap-southeast-1" = 0.25', '"ap-southeast-1" = 0.5'
        ),
    }
    for message, text in cases.items():
        broken.write_text(text)
        with pytest.raises(ValueError, match=message) as refused:
            checked_inputs(broken)
        assert str(broken) in str(refused.value)
    broken.write_text(good)
    assert checked_inputs(broken) == load_inputs()


def test_tiered_prices_charge_each_slice_at_its_tier() -> None:
    tiers = [[10, 1.0], [30, 0.5], [1e12, 0.1]]
    assert tiered(5, tiers) == pytest.approx(5)
    assert tiered(10, tiers) == pytest.approx(10)
    assert tiered(40, tiers) == pytest.approx(10 + 20 * 0.5 + 10 * 0.1)


def test_the_month_counts_the_average_share_of_the_peak() -> None:
    inputs = _inputs(total_peak_rps=1_000, average_to_peak=0.5)
    assert monthly_requests(inputs) == pytest.approx(500 * 730 * 3600)


def test_the_rest_of_the_platform_leaves_out_what_the_plan_sizes() -> None:
    def line(price: str, monthly: float) -> Line:
        return Line("s", "us-east-1", price, monthly, "x", 1.0, "https://x", True, price=price)

    inputs = _inputs(node_type="m7i.xlarge")
    lines = [
        line("ec2.m7i.xlarge", 100),  # the API's node group
        line("ec2.m7i.large", 7),  # the workers'
        line("rds.db.r6g.xlarge", 200),
        line("rds_gp3_storage", 11),
        line("elasticache.cache.r7g.large", 300),
        line("nat_gateway", 13),
    ]
    assert at_rest_others(lines, inputs) == pytest.approx(7 + 11 + 13)


def test_every_synthesized_line_says_what_it_is_priced_as(templates) -> None:
    # The plan leaves lines out by that name: a line without it would count twice.
    lines = estimate(templates, PriceBook())
    assert lines and all(line.price for line in lines)
    assert {line.price for line in lines} >= {"ec2.m7i.xlarge", "rds.db.r6g.xlarge"}
