"""Realistic outputs for the Google Cloud resources and invokes the platform uses.

Ids follow the API's resource names (`projects/<p>/regions/<r>/...`), compute resources
get `selfLink`s, service accounts an e-mail, global addresses an IP, functions a URI.
The mock cannot see the provider's project, so it uses the shipped stacks' project id.
"""

from __future__ import annotations

from typing import Any

from infra.plan.mock_outputs import MockContext

PROJECT = "qmoi-enhanced"
PROJECT_NUMBER = "481516234200"
REGION = "us-central1"
COMPUTE_API = "https://www.googleapis.com/compute/v1"


def _physical(name: str, inputs: dict[str, Any], ctx: MockContext) -> str:
    if inputs.get("name"):
        return str(inputs["name"])
    if inputs.get("namePrefix"):
        return f"{inputs['namePrefix']}{ctx.short_id(name, 26)}"
    return f"{name}-{ctx.short_id(name, 7)}"


def _compute(collection: str, scope: str = "global") -> Any:
    """A compute resource: `projects/<p>/<scope>/<collection>/<name>` plus its selfLink."""

    def rule(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
        physical = _physical(name, inputs, ctx)
        where = "global" if scope == "global" else f"regions/{inputs.get('region') or REGION}"
        resource_id = f"projects/{PROJECT}/{where}/{collection}/{physical}"
        return {
            "__id": resource_id,
            "name": physical,
            "project": PROJECT,
            "selfLink": f"{COMPUTE_API}/{resource_id}",
            "creationTimestamp": "2026-01-01T00:00:00.000-08:00",
        }

    return rule


def _instance_template(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    outputs = _compute("instanceTemplates")(name, inputs, ctx)
    outputs["selfLinkUnique"] = f"{outputs['selfLink']}?uniqueId={int(ctx.short_id(name, 12), 16)}"
    return outputs


def _group_manager(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    outputs = _compute("instanceGroupManagers", "region")(name, inputs, ctx)
    region = inputs.get("region") or REGION
    outputs["instanceGroup"] = f"{COMPUTE_API}/projects/{PROJECT}/regions/{region}/instanceGroups/{outputs['name']}"
    return outputs


def _global_address(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    outputs = _compute("addresses")(name, inputs, ctx)
    octets = bytes.fromhex(ctx.short_id(name, 4))
    outputs["address"] = f"34.{110 + octets[0] % 50}.{octets[1]}.{int(ctx.short_id(name + 'ip', 2), 16) or 1}"
    return outputs


def _managed_certificate(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    outputs = _compute("sslCertificates")(name, inputs, ctx)
    outputs["certificateId"] = int(ctx.short_id(name, 12), 16)
    outputs["subjectAlternativeNames"] = list((inputs.get("managed") or {}).get("domains", []))
    return outputs


def _bucket(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    bucket = inputs.get("name") or name
    return {
        "__id": bucket,
        "name": bucket,
        "project": PROJECT,
        "url": f"gs://{bucket}",
        "selfLink": f"https://www.googleapis.com/storage/v1/b/{bucket}",
        "projectNumber": int(PROJECT_NUMBER),
    }


def _bucket_object(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    bucket, obj = inputs.get("bucket", "bucket"), inputs.get("name") or name
    return {
        "__id": f"{bucket}-{obj}",
        "name": obj,
        "outputName": obj,
        "selfLink": f"https://www.googleapis.com/storage/v1/b/{bucket}/o/{obj.replace('/', '%2F')}",
        "mediaLink": f"https://storage.googleapis.com/download/storage/v1/b/{bucket}/o/{obj.replace('/', '%2F')}",
        "md5hash": ctx.short_id(name, 22) + "==",
        "generation": int(ctx.short_id(name, 12), 16),
    }


def _iam_member(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    scope = inputs.get("bucket") or inputs.get("cryptoKeyId") or inputs.get("project") or PROJECT
    return {"__id": f"{scope}/{inputs.get('role')}/{inputs.get('member')}", "etag": f"BwY{ctx.short_id(name, 9)}="}


def _key_ring(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    ring = inputs.get("name") or name
    return {"__id": f"projects/{PROJECT}/locations/{inputs.get('location', REGION)}/keyRings/{ring}", "name": ring}


def _crypto_key(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    key = inputs.get("name") or name
    return {"__id": f"{inputs.get('keyRing')}/cryptoKeys/{key}", "name": key, "primaries": []}


def _service_account(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    email = f"{inputs.get('accountId', name)}@{PROJECT}.iam.gserviceaccount.com"
    return {
        "__id": f"projects/{PROJECT}/serviceAccounts/{email}",
        "name": f"projects/{PROJECT}/serviceAccounts/{email}",
        "email": email,
        "member": f"serviceAccount:{email}",
        "uniqueId": str(int(ctx.short_id(name, 15), 16)),
    }


def _function(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    function = inputs.get("name") or name
    location = inputs.get("location") or REGION
    uri = f"https://{function}-{ctx.short_id(name, 10)}-uc.a.run.app"
    service = dict(inputs.get("serviceConfig") or {})
    service |= {"uri": uri, "service": f"projects/{PROJECT}/locations/{location}/services/{function}"}
    return {
        "__id": f"projects/{PROJECT}/locations/{location}/functions/{function}",
        "name": function,
        "url": f"https://{location}-{PROJECT}.cloudfunctions.net/{function}",
        "state": "ACTIVE",
        "environment": "GEN_2",
        "serviceConfig": service,
    }


def _budget(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    digits = ctx.short_id(name, 32)
    budget_id = f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
    resource = f"billingAccounts/{inputs.get('billingAccount')}/budgets/{budget_id}"
    return {"__id": resource, "name": resource}


def _monitoring(collection: str) -> Any:
    def rule(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
        resource = f"projects/{PROJECT}/{collection}/{int(ctx.short_id(name, 15), 16)}"
        return {"__id": resource, "name": resource}

    return rule


OUTPUTS = {
    "gcp:storage/bucket:Bucket": _bucket,
    "gcp:logging/projectSink:ProjectSink": lambda n, i, c: {
        "__id": f"projects/{PROJECT}/sinks/{i.get('name') or n}",
        "writerIdentity": f"serviceAccount:service-{PROJECT_NUMBER}@gcp-sa-logging.iam.gserviceaccount.com",
    },
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": lambda n, i, c: {
        "__id": f"{i.get('project', PROJECT)}/audit_config/{i.get('service')}",
        "etag": f"BwX{c.short_id(n, 9)}",
    },
    "gcp:compute/securityPolicy:SecurityPolicy": _compute("securityPolicies"),
    "gcp:storage/bucketObject:BucketObject": _bucket_object,
    "gcp:storage/bucketIAMMember:BucketIAMMember": _iam_member,
    "gcp:projects/iAMMember:IAMMember": _iam_member,
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": _iam_member,
    "gcp:kms/keyRing:KeyRing": _key_ring,
    "gcp:kms/cryptoKey:CryptoKey": _crypto_key,
    "gcp:serviceaccount/account:Account": _service_account,
    "gcp:compute/network:Network": _compute("networks"),
    "gcp:compute/subnetwork:Subnetwork": _compute("subnetworks", "region"),
    "gcp:compute/firewall:Firewall": _compute("firewalls"),
    "gcp:compute/router:Router": _compute("routers", "region"),
    "gcp:compute/routerNat:RouterNat": lambda n, i, c: {"__id": f"{PROJECT}/{i.get('region', REGION)}/{n}"},
    "gcp:compute/healthCheck:HealthCheck": _compute("healthChecks"),
    "gcp:compute/instanceTemplate:InstanceTemplate": _instance_template,
    "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": _group_manager,
    "gcp:compute/regionAutoscaler:RegionAutoscaler": _compute("autoscalers", "region"),
    "gcp:compute/backendBucket:BackendBucket": _compute("backendBuckets"),
    "gcp:compute/uRLMap:URLMap": _compute("urlMaps"),
    "gcp:compute/sSLPolicy:SSLPolicy": _compute("sslPolicies"),
    "gcp:compute/managedSslCertificate:ManagedSslCertificate": _managed_certificate,
    "gcp:compute/targetHttpsProxy:TargetHttpsProxy": _compute("targetHttpsProxies"),
    "gcp:compute/targetHttpProxy:TargetHttpProxy": _compute("targetHttpProxies"),
    "gcp:compute/globalAddress:GlobalAddress": _global_address,
    "gcp:compute/globalForwardingRule:GlobalForwardingRule": _compute("forwardingRules"),
    "gcp:cloudfunctionsv2/function:Function": _function,
    "gcp:billing/budget:Budget": _budget,
    "gcp:monitoring/notificationChannel:NotificationChannel": _monitoring("notificationChannels"),
    "gcp:monitoring/alertPolicy:AlertPolicy": _monitoring("alertPolicies"),
}


def _project(args: dict[str, Any]) -> dict[str, Any]:
    project = args.get("projectId") or PROJECT
    return {
        "id": f"projects/{project}",
        "projectId": project,
        "name": project,
        "number": PROJECT_NUMBER,
        "labels": {},
        "effectiveLabels": {},
    }


def _storage_agent(args: dict[str, Any]) -> dict[str, Any]:
    email = f"service-{PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com"
    return {"id": email, "emailAddress": email, "member": f"serviceAccount:{email}", "project": args.get("project")}


CALLS = {
    "gcp:organizations/getProject:getProject": _project,
    "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": _storage_agent,
}
