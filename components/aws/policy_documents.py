"""IAM, bucket and key policy documents the AWS components share, built as JSON from Outputs.

Every KMS key gets an explicit key policy (`key_policy`): the account root administers it
(the statement AWS's default policy has, so IAM keeps managing who may use the key), plus the
service grants the key's consumers need. A service principal is not an account principal:
only the key policy can let CloudFront, CloudWatch or CloudWatch Logs use a key, and each such
grant is conditioned on the calling resource (`aws:SourceArn` / `aws:SourceAccount`, or the
encryption context for CloudWatch Logs) so no other account's resource can use it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class AwsAccount:
    """The deploying account, partition and region: what ARNs and conditions are built from."""

    id: pulumi.Output[str]
    partition: pulumi.Output[str]
    region: pulumi.Output[str]

    @classmethod
    def lookup(
        cls, parent: pulumi.Resource, region: str | None = None, provider: pulumi.ProviderResource | None = None
    ) -> AwsAccount:
        """The caller's account and partition; the region given (the provider's), else looked up. `provider`:
        the stack's explicit provider (an invoke does not inherit it from a parent created without one, and the
        ambient default provider may have no region, or another account)."""
        invoke = pulumi.InvokeOutputOptions(parent=parent, provider=provider)
        return cls(
            id=aws.get_caller_identity_output(opts=invoke).account_id,
            partition=aws.get_partition_output(opts=invoke).partition,
            region=pulumi.Output.from_input(region) if region else aws.get_region_output(opts=invoke).region,
        )

    def arn(self, service: str, resource: str, *, regional: bool = True) -> pulumi.Output[str]:
        """`arn:<partition>:<service>:<region>:<account>:<resource>` (no region for global services)."""
        region: pulumi.Input[str] = self.region if regional else ""
        return pulumi.Output.concat("arn:", self.partition, f":{service}:", region, ":", self.id, f":{resource}")

    @property
    def root(self) -> pulumi.Output[str]:
        return pulumi.Output.concat("arn:", self.partition, ":iam::", self.id, ":root")


def tls_only_statement(bucket_arn: pulumi.Input[str]) -> pulumi.Output[dict[str, Any]]:
    """Deny every request to the bucket that does not use TLS."""
    return pulumi.Output.from_input(bucket_arn).apply(
        lambda arn: {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )


def service_grant(
    sid: str,
    service: str,
    actions: list[str] | str,
    resource: pulumi.Input[str | list[str]],
    condition: pulumi.Input[dict[str, Any]],
) -> pulumi.Output[dict[str, Any]]:
    """Allow one AWS service principal `actions` on `resource`, only under `condition`."""
    return pulumi.Output.all(resource, condition).apply(
        lambda a: {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": actions,
            "Resource": a[0],
            "Condition": a[1],
        }
    )


def document(*statements: pulumi.Input[dict[str, Any]]) -> pulumi.Output[str]:
    """A policy document (Version 2012-10-17) from statements, as a JSON string."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def key_policy(account: AwsAccount, *grants: pulumi.Input[dict[str, Any]]) -> pulumi.Output[str]:
    """An explicit key policy: the account administers the key (through IAM), plus `grants`."""
    admin = account.root.apply(
        lambda root: {
            "Sid": "AccountAdministersTheKey",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    return document(admin, *grants)


def assume_role(service: str) -> str:
    """A trust policy letting one AWS service assume the role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )
