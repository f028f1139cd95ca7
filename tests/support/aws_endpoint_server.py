#!/usr/bin/python3
"""A local HTTPS stand-in for the AWS endpoints awrap talks to, for integration tests.

    /usr/bin/python3 aws_endpoint_server.py --cert server.pem --key server.key

Listens on 127.0.0.1 on a free port, prints one JSON line {"port": N} when ready and runs until
its stdin closes (so it dies with the test that started it) or it gets SIGTERM.

Endpoints (what the real services do, as far as awrap needs):
  POST /  Action=AssumeRoleWithWebIdentity   STS, unsigned; checks RoleArn and WebIdentityToken
  POST /  Action=GetCallerIdentity           STS, SigV4-signed (service sts)
  POST /  X-Amz-Target: secretsmanager.GetSecretValue   Secrets Manager, SigV4-signed
  PUT  /latest/api/token                     IMDSv2 session token
  GET  /latest/meta-data/iam/security-credentials/[role]   IMDSv2 (token header required)
  GET  /container/...                        ECS/EKS container credentials (Authorization checked)

Every SigV4-signed request is verified with botocore's own SigV4Auth (canonical request, string
to sign, signature) using the secret of the access key it names: keys the server issued (STS,
IMDS, container) and keys in config["known_keys"]. A bad signature is refused as AWS refuses it.

Admin endpoints for the test (JSON):
  POST /__admin/config             merge keys into the configuration (see DEFAULT_CONFIG)
  GET  /__admin/requests           every request so far: method, path, operation, signature check
  POST /__admin/reset-requests     forget them
  POST /__admin/verify-rds-token   {"token": "..."} -> {"valid": bool, "reason": "..."}: the token
                                   is recomputed with botocore's generate_db_auth_token
"""
import argparse
import datetime
import hmac
import json
import re
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The test controls everything botocore could read: botocore_offline (next to this script) is
# imported first.
from botocore_offline import frozen_botocore_clock  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.session  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

DEFAULT_CONFIG = {
    # STS AssumeRoleWithWebIdentity
    "web_identity": {
        "role_arn": "arn:aws:iam::000000000000:role/awrap-test",
        "token": "test-web-identity-token",
        "credentials": {"AccessKeyId": "ASIAWEBIDENTITYTEST", "SecretAccessKey": "web/identity+secret",
                        "SessionToken": "web-identity-session-token", "Expiration": "2099-01-01T00:00:00Z"},
    },
    # IMDSv2
    "imds": {
        "role": "awrap-instance-role",
        "session_token": "imds-session-token",
        "credentials": {"AccessKeyId": "ASIAIMDSTEST", "SecretAccessKey": "imds/secret+key",
                        "Token": "imds-session-credentials-token", "Expiration": "2099-01-01T00:00:00Z"},
    },
    # Container credentials (ECS task role, EKS Pod Identity)
    "container": {
        "authorization": "test-container-authorization",
        "credentials": {"AccessKeyId": "ASIACONTAINERTEST", "SecretAccessKey": "container/secret+key",
                        "Token": "container-session-token", "Expiration": "2099-01-01T00:00:00Z"},
    },
    # Secrets Manager: SecretId (name or ARN) -> SecretString
    "secrets": {},
    # Extra access keys accepted on signed requests: AccessKeyId -> {"secret": ..., "token": ...}
    "known_keys": {},
    # Path (without query) -> seconds to wait before answering (timeout tests)
    "delays": {},
    # Operation or path -> HTTP status to answer instead (e.g. {"AssumeRoleWithWebIdentity": 500})
    "failures": {},
    # Refuse signed requests whose X-Amz-Date is further than this from now; null: no check
    "max_clock_skew_seconds": 900,
}

STATE_LOCK = threading.Lock()
CONFIG = json.loads(json.dumps(DEFAULT_CONFIG))
REQUESTS = []


def issued_keys():
    """Every access key the server knows: AccessKeyId -> (secret, session token or None)."""
    keys = {}
    wi = CONFIG["web_identity"]["credentials"]
    keys[wi["AccessKeyId"]] = (wi["SecretAccessKey"], wi.get("SessionToken"))
    for source in ("imds", "container"):
        c = CONFIG[source]["credentials"]
        keys[c["AccessKeyId"]] = (c["SecretAccessKey"], c.get("Token"))
    for key_id, value in CONFIG["known_keys"].items():
        keys[key_id] = (value["secret"], value.get("token"))
    return keys


AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                     r"SignedHeaders=([a-z0-9;\-]+), Signature=([0-9a-f]{64})$")


def verify_sigv4(method, path, headers, body):
    """(ok, reason, service, region) for a request with an Authorization header."""
    authorization = headers.get("Authorization")
    match = AUTH_RE.match(authorization or "")
    if not match:
        return False, "malformed Authorization header", None, None
    key_id, date, region, service, signed, signature = match.groups()
    with STATE_LOCK:
        keys = issued_keys()
        max_skew = CONFIG["max_clock_skew_seconds"]
    if key_id not in keys:
        return False, "unknown access key id", service, region
    secret, token = keys[key_id]
    amz_date = headers.get("X-Amz-Date") or ""
    if not amz_date.startswith(date):
        return False, "X-Amz-Date does not match the credential scope date", service, region
    if max_skew is not None:
        try:
            signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
        except ValueError:
            return False, "malformed X-Amz-Date", service, region
        if abs((datetime.datetime.utcnow() - signed_at).total_seconds()) > max_skew:
            return False, "signature expired (X-Amz-Date too far from now)", service, region
    if token and headers.get("X-Amz-Security-Token") != token:
        return False, "missing or wrong X-Amz-Security-Token", service, region
    signed_names = signed.split(";")
    if "host" not in signed_names:
        return False, "host is not signed", service, region
    request_headers = {}
    for name in signed_names:
        values = headers.get_all(name)
        if not values:
            return False, f"signed header {name} was not sent", service, region
        request_headers[name] = ",".join(values)
    request = AWSRequest(method=method, url="https://" + headers["Host"] + path, data=body,
                         headers=request_headers)
    request.context["timestamp"] = amz_date
    auth = botocore.auth.SigV4Auth(Credentials(key_id, secret, token), service, region)
    if auth.signed_headers(auth.headers_to_sign(request)) != signed:
        return False, "SignedHeaders differ from botocore's choice", service, region
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, signature):
        return False, "signature mismatch", service, region
    return True, "ok", service, region


def verify_rds_token(token):
    """Recomputes the token with botocore's generate_db_auth_token at the token's own time."""
    try:
        endpoint, query = token.split("/?", 1)
        host, port = endpoint.rsplit(":", 1)
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        key_id, _date, region, service, _ = params["X-Amz-Credential"].split("/")
        timestamp = params["X-Amz-Date"]
        user = params["DBUser"]
    except (ValueError, KeyError) as e:
        return {"valid": False, "reason": f"malformed token ({type(e).__name__})"}
    if service != "rds-db":
        return {"valid": False, "reason": "service is not rds-db"}
    with STATE_LOCK:
        keys = issued_keys()
    if key_id not in keys:
        return {"valid": False, "reason": "unknown access key id"}
    secret, session_token = keys[key_id]
    session = botocore.session.Session()
    session.set_credentials(key_id, secret, session_token)
    client = session.create_client("rds", region_name=region)
    with frozen_botocore_clock(timestamp):
        expected = client.generate_db_auth_token(DBHostname=host, Port=int(port), DBUsername=user,
                                                 Region=region)
    if not hmac.compare_digest(expected, token):
        return {"valid": False, "reason": "token differs from botocore's"}
    return {"valid": True, "reason": "ok", "user": user, "region": region}


def sts_xml(operation, inner):
    return (f'<{operation}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            f"<{operation}Result>{inner}</{operation}Result>"
            f"<ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId>"
            f"</ResponseMetadata></{operation}Response>")


def sts_error(code, message):
    return ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
            f"<Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "awrap-aws-endpoint-server"

    def log_message(self, fmt, *args):  # keep test output quiet (and free of secrets)
        pass

    def _record(self, operation, signature=None):
        entry = {"method": self.command, "path": self.path.split("?", 1)[0], "operation": operation}
        if signature is not None:
            entry["signature_valid"], entry["signature_reason"] = signature
        with STATE_LOCK:
            REQUESTS.append(entry)

    def _send(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _delay_and_failure(self, operation):
        path = self.path.split("?", 1)[0]
        with STATE_LOCK:
            delay = CONFIG["delays"].get(path) or CONFIG["delays"].get(operation)
            failure = CONFIG["failures"].get(operation) or CONFIG["failures"].get(path)
        if delay:
            threading.Event().wait(float(delay))
        return failure

    # --- dispatch -------------------------------------------------------------------------------
    def do_PUT(self):
        self._body()
        if self.path == "/latest/api/token":
            return self._imds_token()
        self._record("unknown")
        self._send(404, "{}")

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/__admin/requests":
            with STATE_LOCK:
                return self._send(200, json.dumps(REQUESTS))
        if path.startswith("/latest/meta-data/iam/security-credentials/"):
            return self._imds_credentials(path)
        if path.startswith("/container/"):
            return self._container()
        self._record("unknown")
        self._send(404, "{}")

    def do_POST(self):
        body = self._body()
        path = self.path.split("?", 1)[0]
        if path.startswith("/__admin/"):
            return self._admin(path, body)
        target = self.headers.get("X-Amz-Target", "")
        if target == "secretsmanager.GetSecretValue":
            return self._get_secret_value(body)
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        action = form.get("Action", "")
        if action == "AssumeRoleWithWebIdentity":
            return self._assume_role_with_web_identity(form)
        if action == "GetCallerIdentity":
            return self._get_caller_identity(body)
        self._record("unknown")
        self._send(400, sts_error("InvalidAction", "unsupported action"), "text/xml")

    # --- admin ----------------------------------------------------------------------------------
    def _admin(self, path, body):
        if path == "/__admin/config":
            update = json.loads(body or b"{}")
            with STATE_LOCK:
                for key, value in update.items():
                    CONFIG[key] = value
            return self._send(200, "{}")
        if path == "/__admin/reset-requests":
            with STATE_LOCK:
                REQUESTS.clear()
            return self._send(200, "{}")
        if path == "/__admin/verify-rds-token":
            token = json.loads(body)["token"]
            return self._send(200, json.dumps(verify_rds_token(token)))
        self._send(404, "{}")

    # --- STS ------------------------------------------------------------------------------------
    def _assume_role_with_web_identity(self, form):
        self._record("AssumeRoleWithWebIdentity")
        failure = self._delay_and_failure("AssumeRoleWithWebIdentity")
        if failure:
            return self._send(int(failure), sts_error("InternalFailure", "injected"), "text/xml")
        with STATE_LOCK:
            wi = json.loads(json.dumps(CONFIG["web_identity"]))
        if form.get("RoleArn") != wi["role_arn"]:
            return self._send(403, sts_error("AccessDenied", "Not authorized to perform "
                                             "sts:AssumeRoleWithWebIdentity"), "text/xml")
        if form.get("WebIdentityToken") != wi["token"]:
            return self._send(400, sts_error("InvalidIdentityToken",
                                             "Couldn't retrieve verification key"), "text/xml")
        if not form.get("RoleSessionName"):
            return self._send(400, sts_error("ValidationError", "RoleSessionName missing"), "text/xml")
        c = wi["credentials"]
        inner = (f"<Credentials><AccessKeyId>{c['AccessKeyId']}</AccessKeyId>"
                 f"<SecretAccessKey>{c['SecretAccessKey']}</SecretAccessKey>"
                 f"<SessionToken>{c['SessionToken']}</SessionToken>"
                 f"<Expiration>{c['Expiration']}</Expiration></Credentials>"
                 f"<SubjectFromWebIdentityToken>system:serviceaccount:test</SubjectFromWebIdentityToken>"
                 f"<AssumedRoleUser><Arn>{wi['role_arn']}/{form['RoleSessionName']}</Arn>"
                 f"<AssumedRoleId>AROATEST:{form['RoleSessionName']}</AssumedRoleId></AssumedRoleUser>")
        self._send(200, sts_xml("AssumeRoleWithWebIdentity", inner), "text/xml")

    def _get_caller_identity(self, body):
        ok, reason, service, _region = verify_sigv4("POST", self.path, self.headers, body)
        self._record("GetCallerIdentity", (ok, reason))
        if not ok or service != "sts":
            return self._send(403, sts_error("SignatureDoesNotMatch", reason), "text/xml")
        key_id = AUTH_RE.match(self.headers["Authorization"]).group(1)
        inner = (f"<Arn>arn:aws:sts::000000000000:assumed-role/awrap-test/{key_id}</Arn>"
                 f"<UserId>AROATEST:{key_id}</UserId><Account>000000000000</Account>")
        self._send(200, sts_xml("GetCallerIdentity", inner), "text/xml")

    # --- Secrets Manager ------------------------------------------------------------------------
    def _get_secret_value(self, body):
        ok, reason, service, region = verify_sigv4("POST", self.path, self.headers, body)
        self._record("GetSecretValue", (ok, reason))
        failure = self._delay_and_failure("GetSecretValue")
        if failure:
            return self._send(int(failure), json.dumps({"__type": "InternalServiceError",
                                                        "message": "injected"}),
                              "application/x-amz-json-1.1")
        if not ok or service != "secretsmanager":
            return self._send(400, json.dumps({"__type": "InvalidSignatureException",
                                               "message": reason}), "application/x-amz-json-1.1")
        try:
            secret_id = json.loads(body)["SecretId"]
        except (ValueError, KeyError):
            return self._send(400, json.dumps({"__type": "InvalidRequestException",
                                               "message": "SecretId missing"}),
                              "application/x-amz-json-1.1")
        with STATE_LOCK:
            secrets = dict(CONFIG["secrets"])
        name = secret_id.split(":secret:", 1)[1].rsplit("-", 1)[0] if ":secret:" in secret_id else secret_id
        if name not in secrets:
            return self._send(400, json.dumps({"__type": "ResourceNotFoundException",
                                               "Message": "Secrets Manager can't find the specified secret."}),
                              "application/x-amz-json-1.1")
        answer = {"ARN": f"arn:aws:secretsmanager:{region}:000000000000:secret:{name}-AbCdEf",
                  "Name": name, "SecretString": secrets[name],
                  "VersionId": "00000000-0000-0000-0000-000000000001",
                  "VersionStages": ["AWSCURRENT"], "CreatedDate": 1700000000.0}
        self._send(200, json.dumps(answer), "application/x-amz-json-1.1")

    # --- IMDSv2 ---------------------------------------------------------------------------------
    def _imds_token(self):
        self._record("ImdsToken")
        failure = self._delay_and_failure("ImdsToken")
        if failure:
            return self._send(int(failure), "", "text/plain")
        if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self._send(400, "", "text/plain")
        with STATE_LOCK:
            token = CONFIG["imds"]["session_token"]
        self._send(200, token, "text/plain")

    def _imds_credentials(self, path):
        self._record("ImdsCredentials")
        with STATE_LOCK:
            imds = json.loads(json.dumps(CONFIG["imds"]))
        failure = self._delay_and_failure("ImdsCredentials")
        if failure:
            return self._send(int(failure), "", "text/plain")
        if self.headers.get("X-aws-ec2-metadata-token") != imds["session_token"]:
            return self._send(401, "", "text/plain")
        role = path[len("/latest/meta-data/iam/security-credentials/"):]
        if not role:
            if not imds.get("role"):
                return self._send(404, "", "text/plain")
            return self._send(200, imds["role"], "text/plain")
        if role != imds.get("role"):
            return self._send(404, "", "text/plain")
        c = dict(imds["credentials"])
        c.update({"Code": "Success", "LastUpdated": "2024-01-15T00:00:00Z", "Type": "AWS-HMAC"})
        self._send(200, json.dumps(c))

    # --- container credentials ------------------------------------------------------------------
    def _container(self):
        self._record("ContainerCredentials")
        failure = self._delay_and_failure("ContainerCredentials")
        if failure:
            return self._send(int(failure), "{}")
        with STATE_LOCK:
            container = json.loads(json.dumps(CONFIG["container"]))
        expected = container.get("authorization")
        if expected and self.headers.get("Authorization") != expected:
            return self._send(401, json.dumps({"message": "unauthorized"}))
        c = dict(container["credentials"])
        c["RoleArn"] = "arn:aws:iam::000000000000:role/awrap-task"
        self._send(200, json.dumps(c))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cert", required=True, help="server certificate chain (PEM)")
    parser.add_argument("--key", required=True, help="server private key (PEM)")
    parser.add_argument("--config", help="JSON file merged into the configuration at start")
    args = parser.parse_args()
    if args.config:
        with open(args.config) as f:
            CONFIG.update(json.load(f))

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    # The handshake happens on the first read, in the request thread, not in accept().
    server.socket = context.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    print(json.dumps({"port": server.server_address[1]}), flush=True)

    def stop_when_stdin_closes():
        try:
            sys.stdin.read()
        finally:
            server.shutdown()

    threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    main()
