"""The platform's AWS infrastructure as code (AWS CDK v2, Python).

`app.py` builds every stack from `hotelreviews_infra.platform.build`; docs/deployment.md gives
the order they are deployed in. Nothing here runs inside the platform: this package is the
deployment's, with its own dependency group (`aws` in pyproject.toml).
"""
