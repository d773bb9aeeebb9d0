"""The monthly cost of what deploy/aws synthesizes, from public on-demand prices
(cost/prices.toml, each with its source). `python -m cost` from deploy/aws prints it;
`make aws-cost` writes it into docs/deployment.md."""
