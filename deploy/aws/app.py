#!/usr/bin/env python3
"""The CDK app: `cdk synth` / `cdk deploy <stack>` run it (cdk.json). docs/deployment.md."""

import aws_cdk as cdk

from hotelreviews_infra.platform import build

app = cdk.App()
build(app)
app.synth()
