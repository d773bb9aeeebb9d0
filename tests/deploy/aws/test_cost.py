"""The monthly cost estimate (deploy/aws/cost): every resource the stacks synthesize is priced
or consciously free, every rate has a source, the arithmetic counts what the templates say,
and docs/deployment.md shows the table the current stacks give (`make aws-cost`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cost.estimate import (
    FREE,
    PROVISIONED,
    USAGE_PRICED,
    PriceBook,
    estimate,
    unclassified_types,
    usage_lines,
)
from cost.render import BEGIN, END, replace_block

ROOT = Path(__file__).resolve().parents[3]


def test_every_synthesized_resource_type_is_priced_or_declared_free(templates) -> None:
    missing = unclassified_types(t for _, _, t in templates)
    assert not missing, (
        "resource types the cost estimate does not know: price them in cost/estimate.py "
        f"(and cost/prices.toml) or declare them FREE / USAGE_PRICED: {sorted(missing)}"
    )


def test_the_three_classes_do_not_overlap() -> None:
    assert not (FREE & PROVISIONED) and not (FREE & USAGE_PRICED)
    assert not (PROVISIONED & USAGE_PRICED)


def test_every_rate_names_a_public_source() -> None:
    book = PriceBook()
    unsourced = [
        name
        for name, table in book.data.items()
        if name not in ("meta", "usage", "ec2", "rds", "elasticache")
        and not str(table.get("source", "")).startswith(("https://", "http://"))
    ]
    for family in ("ec2", "rds", "elasticache"):
        for kind, table in book.data.get(family, {}).items():
            if not str(table.get("source", "")).startswith(("https://", "http://")):
                unsourced.append(f"{family}.{kind}")
    unsourced += [
        f"usage.{name}"
        for name, spec in book.data["usage"].items()
        if not str(spec.get("source", "")).startswith(("https://", "http://"))
    ]
    assert not unsourced, f"rates without a source: {unsourced}"


def test_the_stacks_are_priced_with_a_rate_for_every_line(templates) -> None:
    lines = estimate(templates, PriceBook())  # a missing rate raises KeyError naming it
    assert sum(line.monthly for line in lines) > 0
    assert {line.region for line in lines} >= {"us-east-1", "eu-west-1", "ap-southeast-1"}


def test_multi_az_counts_two_instances_and_node_groups_their_desired_size() -> None:
    book = PriceBook()
    rds = next(iter(book.data["rds"]))
    node = next(iter(book.data["ec2"]))
    template = {
        "Resources": {
            "Db": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {"DBInstanceClass": rds, "MultiAZ": True, "AllocatedStorage": 100},
            },
            "Nodes": {
                "Type": "AWS::EKS::Nodegroup",
                "Properties": {"InstanceTypes": [node], "ScalingConfig": {"DesiredSize": 3}},
            },
        }
    }
    lines = {line.item: line for line in estimate([("S", "us-east-1", template)], book)}
    db = next(line for item, line in lines.items() if item.startswith("RDS primary"))
    storage = next(line for item, line in lines.items() if "storage" in item)
    nodes = next(line for item, line in lines.items() if item.startswith("EKS nodes"))
    assert db.quantity == 2 * 730
    assert storage.quantity == 200
    assert nodes.quantity == 3 * 730
    assert nodes.monthly == pytest.approx(3 * 730 * book.data["ec2"][node]["rates"]["us-east-1"])


def test_a_region_without_its_own_rate_is_marked() -> None:
    book = PriceBook()
    rate, _, _, regional = book.rate("alb", "ap-southeast-1")
    assert regional is False and rate == book.data["alb"]["rates"]["us-east-1"]


def test_usage_lines_multiply_their_stated_quantities() -> None:
    book = PriceBook()
    lines = usage_lines(book)
    assert len(lines) == len(book.data["usage"])
    for line, spec in zip(lines, book.data["usage"].values(), strict=True):
        assert line.monthly == pytest.approx(spec["quantity"] * spec["rate"])


def test_docs_show_the_estimate_of_the_current_stacks(templates) -> None:
    from cost.__main__ import report

    document = (ROOT / "docs" / "deployment.md").read_text()
    assert BEGIN in document and END in document, "docs/deployment.md lost its cost markers"
    shown = document[document.index(BEGIN) : document.index(END) + len(END)]
    assert shown.strip() == report(templates).strip(), (
        "docs/deployment.md's cost table is stale: run `make aws-cost`"
    )


def test_a_document_without_the_markers_is_refused_with_what_to_add() -> None:
    with pytest.raises(ValueError, match="lacks the generated table.s markers") as refused:
        replace_block("# Deployment\n\nno table here\n", f"{BEGIN}\nnew\n{END}\n")
    assert BEGIN in str(refused.value) and END in str(refused.value)
    with pytest.raises(ValueError):  # the end before the beginning
        replace_block(f"{END}\n{BEGIN}\n", "x")


def test_the_block_between_the_markers_is_all_that_changes() -> None:
    document = f"before\n{BEGIN}\nold\n{END}\nafter\n"
    assert replace_block(document, f"{BEGIN}\nnew\n{END}\n") == (
        f"before\n{BEGIN}\nnew\n{END}\nafter\n"
    )
