"""The Azure CLI commands the stack runs (One Deploy, the health blob): one shell prelude for all of them.

Two things outside the program's control make a first `pulumi up` fail without it:
- a role assignment the command relies on was created seconds earlier, and Azure takes up to
  10 minutes to apply it to the data plane (learn.microsoft.com/azure/role-based-access-control/
  troubleshooting: "it can take up to 10 minutes for changes to take effect"); until then storage
  answers 403. `retry` runs the command again while it fails with an authorization error, for
  RETRY_ATTEMPTS x RETRY_DELAY seconds (12 minutes), and stops at once on any other failure;
- in GitHub Actions the CLI is logged in with a federated credential whose GitHub token expires
  after about 5 minutes (Azure/login#441), so a command that needs a token for a new resource
  (storage) late in the job fails with AADSTS700024. When the job can request an OIDC token
  (ACTIONS_ID_TOKEN_REQUEST_URL is set), `az_login` logs the CLI in again with a fresh one before
  each attempt, as the identity the job's ARM_CLIENT_ID / ARM_TENANT_ID name. Elsewhere it does
  nothing: the CLI login of whoever runs `pulumi up` is used.
The retry window travels in each command's environment, where the `azure-cli-outlasts-rbac`
contract reads it.
"""

from __future__ import annotations

RBAC_PROPAGATION_S = 600  # "up to 10 minutes" (Microsoft)
RETRY_DELAY_S = 30
RETRY_ATTEMPTS = 24  # 12 minutes: the documented window and a margin
# Output of a failure worth another attempt: storage's 403s and an expired federated assertion.
RETRYABLE = "forbidden|403|not authorized|AuthorizationPermissionMismatch|AuthorizationFailure|AADSTS"
# The audience GitHub's OIDC token must carry for an Entra federated credential.
OIDC_AUDIENCE = "api://AzureADTokenExchange"

PRELUDE = rf"""set -eu
az_login() {{
  [ -n "${{ACTIONS_ID_TOKEN_REQUEST_URL:-}}" ] && [ -n "${{ACTIONS_ID_TOKEN_REQUEST_TOKEN:-}}" ] || return 0
  [ -n "${{ARM_CLIENT_ID:-}}" ] && [ -n "${{ARM_TENANT_ID:-}}" ] || return 0
  assertion="$(curl -sSf -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
    "$ACTIONS_ID_TOKEN_REQUEST_URL&audience={OIDC_AUDIENCE}" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["value"])')" || return 1
  az login --service-principal --username "$ARM_CLIENT_ID" --tenant "$ARM_TENANT_ID" \
    --federated-token "$assertion" --allow-no-subscriptions --output none
}}
retry() {{
  attempt=1
  log="$(mktemp)"
  while :; do
    az_login || echo "qmoi: could not refresh the Azure CLI login from the GitHub OIDC token" >&2
    if "$@" > "$log" 2>&1; then cat "$log"; return 0; fi
    cat "$log" >&2
    grep -Eqi '{RETRYABLE}' "$log" || return 1
    [ "$attempt" -lt "$RETRY_ATTEMPTS" ] || return 1
    echo "qmoi: authorization not effective yet (a new role assignment takes up to 10 minutes);" \
      "attempt $((attempt + 1)) of $RETRY_ATTEMPTS in $RETRY_DELAY s" >&2
    attempt=$((attempt + 1))
    sleep "$RETRY_DELAY"
  done
}}
"""


def az_script(body: str) -> str:
    """A command's script: the shared prelude (`az_login`, `retry`), then `body`."""
    return PRELUDE + body


def retry_environment() -> dict[str, str]:
    """The retry window, for a command's `environment` (the contract reads it there)."""
    return {"RETRY_ATTEMPTS": str(RETRY_ATTEMPTS), "RETRY_DELAY": str(RETRY_DELAY_S)}
