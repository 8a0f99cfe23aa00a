"""IAM and bucket policy documents the AWS components share, built as JSON from Outputs."""

from __future__ import annotations

from typing import Any

import pulumi


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


def document(*statements: pulumi.Input[dict[str, Any]]) -> pulumi.Output[str]:
    """A policy document (Version 2012-10-17) from statements, as a JSON string."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def assume_role(service: str) -> str:
    """A trust policy letting one AWS service assume the role."""
    import json

    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )
