"""`python -m cost [--write-docs]` from deploy/aws: synthesize the app in this process (no
AWS call, no CLI) and print the estimate, or write it into docs/deployment.md."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cost.estimate import PriceBook, estimate, usage_lines
from cost.render import markdown, write_block

AWS_DIR = Path(__file__).resolve().parents[1]
DOCS = AWS_DIR.parents[1] / "docs" / "deployment.md"


def synthesized() -> list[tuple[str, str, dict]]:
    """(stack name, region, template) of every stack, as `cdk synth` makes them."""
    import aws_cdk as cdk

    from hotelreviews_infra.platform import build

    context = json.loads((AWS_DIR / "cdk.json").read_text())["context"]
    app = cdk.App(context=context)
    build(app)
    assembly = app.synth()
    return [(s.stack_name, s.environment.region, s.template) for s in assembly.stacks]


def report(templates: list[tuple[str, str, dict]]) -> str:
    book = PriceBook()
    meta = book.table("meta")
    return markdown(
        estimate(templates, book),
        usage_lines(book),
        baseline=float(meta["original_plan_monthly"]),
        read=meta["read"],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write-docs", action="store_true", help=f"update {DOCS.name}")
    args = parser.parse_args()
    text = report(synthesized())
    if args.write_docs:
        try:
            write_block(DOCS, text)
        except ValueError as error:
            print(f"cost: {DOCS}: {error}", file=sys.stderr)
            return 1
        print(f"cost: {DOCS} updated", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
