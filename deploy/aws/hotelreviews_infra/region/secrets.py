"""The region's Secrets Manager secrets (names and JSON shapes per the CDK/k8s contract,
deploy/k8s/base/secrets.yaml): generated values are hex, every secret is encrypted with the
region's key."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from hotelreviews_infra.region.nag import acknowledge
from hotelreviews_infra.topology import secret_name

# Generated values are hex (digits and a-f; punctuation and the other letters excluded): URLs
# and Redis AUTH take them verbatim, and the platform refuses a signing secret that spells a
# placeholder word ("xxx", "todo", …, hotelreviews.security.signing), which random
# alphanumerics do about once in 500; hex cannot. 64 characters: 256 bits.
NOT_HEX = "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ"

# Secrets made in the primary region and replicated to the others ({"value"}).
GLOBAL_SECRETS = ("jwt-secret", "metrics-token")


def generated_secret(
    scope: Construct,
    construct_id: str,
    *,
    name: str,
    key: kms.IKey,
    field: str,
    length: int,
    why_not_rotated: str,
) -> secretsmanager.Secret:
    """A secret holding {field: <length hex characters>} (see NOT_HEX)."""
    secret = secretsmanager.Secret(
        scope,
        construct_id,
        secret_name=name,
        encryption_key=key,
        generate_secret_string=secretsmanager.SecretStringGenerator(
            secret_string_template="{}",
            generate_string_key=field,
            exclude_punctuation=True,
            exclude_characters=NOT_HEX,
            include_space=False,
            password_length=length,
        ),
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    acknowledge(secret, "AwsSolutions-SMG4", why_not_rotated)
    return secret


WHY_NOT_ROTATED = {
    "jwt-secret": "Rotating the signing key invalidates every issued token at once; it is "
    "rotated deliberately (runbook), never on a schedule.",
    "metrics-token": "Shared with the Prometheus scrape configuration, which reads it once; a "
    "scheduled rotation would blind monitoring until it is reloaded (runbook rotation).",
}


def redis_auth_secret(scope: Construct, *, region: str, key: kms.IKey) -> secretsmanager.Secret:
    # ElastiCache AUTH tokens are 16 to 128 printable characters.
    return generated_secret(
        scope,
        "RedisAuth",
        name=secret_name(region, "redis-auth"),
        key=key,
        field="token",
        length=64,
        why_not_rotated="ElastiCache has no hosted rotation for AUTH tokens: a rotation is "
        "ModifyReplicationGroup with AuthTokenUpdateStrategy ROTATE then SET while the pods "
        "reload, a runbook step, not a Lambda on a schedule.",
    )


def global_secrets(scope: Construct, *, key: kms.IKey) -> dict[str, secretsmanager.Secret]:
    """jwt-secret and metrics-token, created in the primary region only; each replica region
    adds itself as a replica (replication.py) with its own key."""
    return {
        what: generated_secret(
            scope,
            f"Global-{what}",
            name=secret_name("global", what),
            key=key,
            field="value",
            length=64,
            why_not_rotated=WHY_NOT_ROTATED[what],
        )
        for what in GLOBAL_SECRETS
    }


def endpoints_secret(
    scope: Construct,
    *,
    region: str,
    key: kms.IKey,
    reader_host: str,
    reader_port: str,
    redis_host: str,
    redis_port: str,
) -> secretsmanager.Secret:
    """Addresses, not credentials: a secret only so that ESO composes the URLs from one
    source; the values are the resources' attributes, resolved at deployment."""
    secret = secretsmanager.Secret(
        scope,
        "Endpoints",
        secret_name=secret_name(region, "endpoints"),
        encryption_key=key,
        secret_object_value={
            "reader_host": cdk.SecretValue.resource_attribute(reader_host),
            "reader_port": cdk.SecretValue.resource_attribute(reader_port),
            "redis_host": cdk.SecretValue.resource_attribute(redis_host),
            "redis_port": cdk.SecretValue.resource_attribute(redis_port),
        },
    )
    acknowledge(
        secret,
        "AwsSolutions-SMG4",
        "Host names and ports, not credentials: CloudFormation rewrites them when the "
        "resources change; there is nothing to rotate.",
    )
    return secret
