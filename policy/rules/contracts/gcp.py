"""Deploy contracts of Google Cloud: what the cloud or a consuming service requires of a combination of resources."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from policy.rules.base import CONTRACTS_AREA as AREA
from policy.rules.base import Finding, Res, Stack, StackRule, get, is_true, items, known
from policy.rules.encryption import GCS_BUCKET
from policy.rules.exposure import BACKEND_BUCKET, GCS_IAM

SIGNED_URL_KEYS = (
    "gcp:compute/backendBucketSignedUrlKey:BackendBucketSignedUrlKey",
    "gcp:compute/backendServiceSignedUrlKey:BackendServiceSignedUrlKey",
)
PROJECT_IAM = ("gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding")
FUNCTION = "gcp:cloudfunctionsv2/function:Function"
SERVICE_ACCOUNT = "gcp:serviceaccount/account:Account"
BUDGET = "gcp:billing/budget:Budget"
FILL_AGENT = "@cloud-cdn-fill.iam.gserviceaccount.com"
PUBLIC_READ_ROLES = ("roles/storage.legacyObjectReader", "roles/storage.objectViewer")
# The build account's roles Google documents: Cloud Run Builder on the project, or (the older page) Logs Writer,
# Artifact Registry Writer and Storage Object Admin, all unconditioned.
BUILDER_ROLE = "roles/run.builder"
BUILD_ROLE_SET = ("roles/logging.logWriter", "roles/artifactregistry.writer", "roles/storage.objectAdmin")


def _members(res: Res) -> list[Any]:
    return [res.get("member"), *items(res.props, "members")]


def _grants_on(stack: Stack, bucket: Res) -> list[Res]:
    return [
        g
        for t in GCS_IAM
        for g in stack.of(t)
        if g.depends_on("bucket", bucket.urn) or g.get("bucket") == bucket.get("name")
    ]


def _signed(stack: Stack, backend: Res) -> bool:
    return any(k.depends_on("backendBucket", backend.urn) for t in SIGNED_URL_KEYS for k in stack.of(t))


def _servable(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for backend in stack.of(BACKEND_BUCKET):
        if not is_true(backend.get("enableCdn")):
            continue
        for bucket in stack.attached_to(backend, GCS_BUCKET, "bucketName", "name"):
            prevention = bucket.get("publicAccessPrevention")
            if not known(prevention):
                continue
            public_reads = [
                g for g in _grants_on(stack, bucket) if "allUsers" in _members(g) and g.get("role") in PUBLIC_READ_ROLES
            ]
            if (prevention != "enforced" and public_reads) or _signed(stack, backend):
                continue
            yield (
                f"{backend.name}: Cloud CDN forwards unsigned requests to {bucket.name} as they are, and the bucket "
                "lets no anonymous request read its objects: every viewer (and the edge monitor) gets 403. Grant "
                "allUsers roles/storage.legacyObjectReader (public_access_prevention inherited), or add a signed URL "
                "key and sign every URL",
                backend.urn,
            )


def _fill_agent_after_key(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    keys = [k.urn for t in SIGNED_URL_KEYS for k in stack.of(t)]
    for grant in [g for t in (*GCS_IAM, *PROJECT_IAM) for g in stack.of(t)]:
        if not any(known(m) and isinstance(m, str) and FILL_AGENT in m for m in _members(grant)):
            continue
        if not any(grant.waits_for(k) for k in keys):
            yield (
                f"{grant.name}: grants the Cloud CDN cache-fill service agent, which exists only after a signed URL "
                "key is added to a backend in the project: on a fresh project `pulumi up` fails here. Create the "
                "key first (and depend on it)",
                grant.urn,
            )


def _build_account(stack: Stack, function: Res) -> Res | None:
    return next((a for a in stack.of(SERVICE_ACCOUNT) if function.depends_on("buildConfig", a.urn)), None)


def _build_roles(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for function in stack.of(FUNCTION):
        account = _build_account(stack, function)
        if account is None:
            continue  # the default build account: Google grants it what it needs
        grants = [g for t in PROJECT_IAM for g in stack.of(t) if g.depends_on("member", account.urn)]
        conditions = [get(g.props, "condition", "expression") for g in grants]
        if any(not known(c) or not known(g.get("role")) for g, c in zip(grants, conditions, strict=True)):
            continue
        # A condition narrows a role to what its author guessed the build touches; Google documents none.
        roles = {g.get("role") for g, c in zip(grants, conditions, strict=True) if not c}
        if BUILDER_ROLE in roles or set(BUILD_ROLE_SET) <= roles:
            continue
        missing = [r for r in BUILD_ROLE_SET if r not in roles]
        yield (
            f"{function.name}: its build account {account.name} has neither {BUILDER_ROLE} on the project nor the "
            f"documented set ({', '.join(BUILD_ROLE_SET)}; missing {', '.join(missing)}), unconditioned: the build "
            "cannot read its staged source, write its logs or push its image, and fails",
            function.urn,
        )


def _budget_scope(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for budget in stack.of(BUDGET):
        labels = get(budget.props, "budgetFilter", "labels")
        if known(labels) and labels:
            yield (
                f"{budget.name}: the filter on labels {dict(labels)} counts only labelled usage (egress, CDN, NAT, "
                "logging and builds carry no label); scope the budget by project, one project per environment",
                budget.urn,
            )


# --- security operations: the audit sink and Cloud Armor ---------------------------------------

SINK = "gcp:logging/projectSink:ProjectSink"
SECURITY_POLICY = "gcp:compute/securityPolicy:SecurityPolicy"
SINK_WRITER_ROLES = ("roles/storage.objectCreator", "roles/storage.objectAdmin", "roles/storage.admin")
EDGE_DENY_CODES = ("403", "404", "502")
DEFAULT_RULE_PRIORITY = 2147483647


def _sink_bucket(stack: Stack, sink: Res) -> Res | None:
    destination = sink.get("destination")
    for bucket in stack.of(GCS_BUCKET):
        name = bucket.get("name")
        if sink.depends_on("destination", bucket.urn) or (
            known(destination) and known(name) and destination == f"storage.googleapis.com/{name}"
        ):
            return bucket
    return None


def _audit_sink_writes(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for sink in stack.of(SINK):
        bucket = _sink_bucket(stack, sink)
        if bucket is None or is_true(sink.get("disabled")):
            continue
        grants = [
            g
            for token in GCS_IAM
            for g in stack.attached(bucket, token, "bucket", [bucket.get("name")])
            if g.get("role") in SINK_WRITER_ROLES and g.depends_on("member", sink.urn)
        ]
        if not grants:
            yield (
                f"{sink.name}: no grant lets its writer identity create objects in {bucket.name}: every export "
                "fails ('Until you grant this identity write-access to the destination, log entry exports from this "
                "sink will fail')",
                sink.urn,
            )
    for bucket in stack.of(GCS_BUCKET):
        if bucket.get("retentionPolicy") and is_true(bucket.get("versioning", "enabled")):
            yield (
                f"{bucket.name}: a retention policy together with object versioning, which Cloud Storage refuses",
                bucket.urn,
            )


def _deny_code(action: Any) -> str | None:
    text = str(action)
    return text[5:-1] if text.startswith("deny(") and text.endswith(")") else None


def _edge_policy(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    policies = stack.of(SECURITY_POLICY)
    for backend in stack.of(BACKEND_BUCKET):
        for policy in policies:
            if backend.depends_on("edgeSecurityPolicy", policy.urn) and policy.get("type") != "CLOUD_ARMOR_EDGE":
                yield (
                    f"{backend.name}: a backend bucket takes only an edge security policy (type CLOUD_ARMOR_EDGE); "
                    f"{policy.name} is {policy.get('type') or 'CLOUD_ARMOR'}",
                    backend.urn,
                )
    for policy in policies:
        if policy.get("type") != "CLOUD_ARMOR_EDGE":
            continue
        if policy.get("advancedOptionsConfig"):
            yield f"{policy.name}: advanced options are refused on edge policies (Error 400)", policy.urn
        rules = items(policy.props, "rules")
        for rule in rules:
            expression = str(get(rule, "match", "expr", "expression", default=""))
            if (
                get(rule, "rateLimitOptions")
                or get(rule, "preconfiguredWafConfig")
                or "evaluatePreconfigured" in expression
            ):
                yield f"{policy.name}: rate limiting and preconfigured WAF rules need a backend policy", policy.urn
            code = _deny_code(get(rule, "action"))
            if code is not None and code not in EDGE_DENY_CODES:
                yield f"{policy.name}: deny({code}); edge policies deny with 403, 404 or 502 only", policy.urn
        if rules and not any(get(r, "priority") == DEFAULT_RULE_PRIORITY for r in rules):
            yield (
                f"{policy.name}: no default rule (priority {DEFAULT_RULE_PRIORITY}): the API adds one, which drifts",
                policy.urn,
            )


RULES: list[StackRule] = [
    StackRule(
        name="cloud-cdn-origin-servable",
        area=AREA,
        description="A Cloud CDN backend bucket can serve its bucket to the viewers it gets: anonymous object reads "
        "on the bucket (Cloud CDN forwards unsigned requests as they are), or a signed URL key when every URL is "
        "signed.",
        severity=Severity.HIGH,
        types=(BACKEND_BUCKET, GCS_BUCKET, *GCS_IAM, *SIGNED_URL_KEYS),
        check=_servable,
        cannot_see="whether an application signs every URL when a signed URL key exists",
        remediation="gcp storage public_read for the CDN-served class (components/gcp/storage.py).",
        docs=(
            "https://cloud.google.com/cdn/docs/using-signed-urls",
            "https://cloud.google.com/load-balancing/docs/https/ext-load-balancer-backend-buckets",
        ),
    ),
    StackRule(
        name="cdn-fill-agent-after-signing-key",
        area=AREA,
        description="A grant to the Cloud CDN cache-fill service agent waits for a signed URL key: the agent is "
        "created by the first key added to a backend in the project.",
        severity=Severity.HIGH,
        types=(*GCS_IAM, *PROJECT_IAM, *SIGNED_URL_KEYS),
        check=_fill_agent_after_key,
        cannot_see="keys added outside the stack (an older key in the project would have created the agent)",
        remediation="Create the BackendBucketSignedUrlKey first and depend on it, or serve the bucket another way.",
        docs=("https://cloud.google.com/cdn/docs/using-signed-urls#configure_permissions",),
    ),
    StackRule(
        name="gcf-build-account-roles",
        area=AREA,
        description="A Cloud Functions (2nd gen) build that runs as a custom service account holds the role Google "
        "documents for it on the project, unconditioned: Cloud Run Builder (roles/run.builder), or Logs Writer, "
        "Artifact Registry Writer and Storage Object Admin.",
        severity=Severity.HIGH,
        types=(FUNCTION, SERVICE_ACCOUNT, *PROJECT_IAM),
        check=_build_roles,
        cannot_see="grants made outside the stack (folder, organisation, or another stack); IAM propagation "
        "(a fresh grant takes minutes: re-run `up` if the first build fails with PERMISSION_DENIED)",
        remediation="components/gcp/functions.py grants roles/run.builder on the project to the build account.",
        docs=(
            "https://cloud.google.com/run/docs/configuring/services/build-service-account",
            "https://cloud.google.com/functions/docs/securing/build-custom-sa",
            "https://cloud.google.com/iam/docs/access-change-propagation",
        ),
    ),
    StackRule(
        name="budget-counts-whole-project",
        area=AREA,
        description="A Cloud Billing budget never filters on labels, which count only labelled usage; it is scoped "
        "by project (one project per environment).",
        severity=Severity.MEDIUM,
        types=(BUDGET,),
        check=_budget_scope,
        cannot_see="whether the project is shared with other environments (one gcp.project_id per stack file)",
        remediation="budget_filter.projects only; gcp.project_id per environment.",
        docs=("https://cloud.google.com/billing/docs/reference/budget/rest/v1/billingAccounts.budgets#filter",),
    ),
    StackRule(
        name="audit-sink-can-write",
        area=AREA,
        description="A log sink to a Cloud Storage bucket has its writer identity granted object creation there; "
        "a bucket with a retention policy is not versioned.",
        severity=Severity.HIGH,
        types=(SINK, GCS_BUCKET, *GCS_IAM),
        check=_audit_sink_writes,
        cannot_see="grants made at project level or outside the stack",
        remediation="roles/storage.objectCreator for sink.writer_identity on the bucket (components/gcp/audit.py).",
        docs=(
            "https://cloud.google.com/logging/docs/reference/v2/rest/v2/projects.sinks",
            "https://cloud.google.com/storage/docs/bucket-lock",
        ),
    ),
    StackRule(
        name="cloud-armor-edge-on-backend-bucket",
        area=AREA,
        description="A backend bucket's Cloud Armor policy is an edge policy, with only what edge policies accept "
        "(no advanced options, rate limits or preconfigured WAF rules; deny codes 403/404/502) and its default rule.",
        severity=Severity.HIGH,
        types=(BACKEND_BUCKET, SECURITY_POLICY),
        check=_edge_policy,
        cannot_see="policies referenced by name from outside the stack",
        remediation="type='CLOUD_ARMOR_EDGE', attached with edge_security_policy (components/gcp/waf.py).",
        docs=(
            "https://cloud.google.com/armor/docs/security-policy-overview#edge-policies",
            "https://github.com/GoogleCloudPlatform/terraform-google-cloud-armor/issues/38",
        ),
    ),
]
