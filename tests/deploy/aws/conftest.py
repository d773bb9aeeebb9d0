"""The CDK app of deploy/aws, built in this process for `aws_cdk.assertions`.

`stacks` builds every stack once per test process (xdist_group "aws" keeps the AWS tests in
one), with the context of deploy/aws/cdk.json, exactly as `cdk synth` would; `template(name)`
gives a stack's synthesized template to assert on. Nothing here calls AWS: the stacks name
their account and regions, so nothing is looked up.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
AWS_DIR = ROOT / "deploy" / "aws"

# The CDK runs its constructs in a node process (jsii); its end-of-life banner for the
# machine's node (Debian 12 ships 18, this machine has 20) is noise in every test's output.
# jsii reads these as lists of the major versions to keep quiet about.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "18,20")

if str(AWS_DIR) not in sys.path:
    sys.path.insert(0, str(AWS_DIR))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.xdist_group("aws"))


def cdk_context() -> dict:
    return json.loads((AWS_DIR / "cdk.json").read_text())["context"]


@pytest.fixture(scope="session")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> dict:
    import aws_cdk as cdk

    from hotelreviews_infra.platform import build

    app = cdk.App(context=cdk_context(), outdir=str(tmp_path_factory.mktemp("cdk.out")))
    return build(app)


@pytest.fixture(scope="session")
def template(stacks: dict) -> Callable:
    from aws_cdk.assertions import Template

    cache: dict = {}

    def of(stack_name: str):
        if stack_name not in cache:
            cache[stack_name] = Template.from_stack(stacks[stack_name])
        return cache[stack_name]

    return of


@pytest.fixture(scope="session")
def templates(stacks: dict, template: Callable) -> list[tuple[str, str, dict]]:
    """(stack name, region, template as JSON) of every stack: what the cost tools price."""
    return [(name, stack.region, template(name).to_json()) for name, stack in stacks.items()]
