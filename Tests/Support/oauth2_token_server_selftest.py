#!/usr/bin/env python3
"""Self-test for oauth2_token_server.py: starts it as a subprocess with a temporary config, makes keys and a
self-signed certificate with `cryptography` (38 API), signs JWTs here and checks the answers.

Run: /usr/bin/python3 Tests/Support/oauth2_token_server_selftest.py   (exit status 0 = all checks passed)
"""
import base64
import datetime
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "oauth2_token_server.py")
SA_EMAIL = "sd@proj.iam.gserviceaccount.com"
GMAIL = "https://mail.google.com/"
TENANT = "northwind.onmicrosoft.com"
SECRET_APP, CERT_APP, PUBLIC_CLIENT = "1111-secret", "2222-cert", "3333-public"
OUTLOOK = "https://outlook.office365.com/.default"
FORM = "application/x-www-form-urlencoded"

passed = 0
failures = []
issued = []  # every token seen, to check none reaches the server's stdout/stderr


def check(name, condition, detail=""):
    global passed
    if condition:
        passed += 1
    else:
        failures.append(f"{name}: {detail}")
        print(f"FAIL {name}: {detail}")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def self_signed(key, name):
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))


def sign_jwt(key, header, claims):
    signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
    return signing_input.decode() + "." + b64url(key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256()))


class Client:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def request(self, method, path, form=None, content_type=FORM, raw=None, headers=None):
        data = raw if raw is not None else (urllib.parse.urlencode(form).encode() if form is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=dict(headers or {}))
        if data is not None and content_type:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, body, head = resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as err:
            status, body, head = err.code, err.read(), err.headers
        answer = json.loads(body) if body else None
        if isinstance(answer, dict):
            for field in ("access_token", "refresh_token"):
                if field in answer:
                    issued.append(answer[field])
        return status, answer, head

    def post(self, path, form, **kw):
        return self.request("POST", path, form, **kw)

    def get(self, path):
        return self.request("GET", path)

    def introspect(self, token):
        return self.post("/introspect", {"token": token})[1]


def start_server(config, tmp, name):
    port_file = os.path.join(tmp, f"{name}.port")
    config = dict(config, portFile=port_file)
    path = os.path.join(tmp, f"{name}.json")
    with open(path, "w") as file:
        json.dump(config, file)
    out, err = open(os.path.join(tmp, f"{name}.out"), "w+"), open(os.path.join(tmp, f"{name}.err"), "w+")
    process = subprocess.Popen([sys.executable, SERVER, path], stdout=out, stderr=err)
    deadline = time.time() + 10
    while not os.path.exists(port_file):
        if process.poll() is not None or time.time() > deadline:
            err.seek(0)
            raise SystemExit(f"server did not start: {err.read()}")
        time.sleep(0.05)
    with open(port_file) as file:
        port = int(file.read())
    return process, port, out, err


def main():
    sa_key, wrong_key, app_key, other_key = new_key(), new_key(), new_key(), new_key()
    app_cert, other_cert = self_signed(app_key, "app"), self_signed(other_key, "other")
    pem = lambda cert: cert.public_bytes(serialization.Encoding.PEM).decode()
    config = {
        "port": 0, "tokenLifetimeSeconds": 3600,
        "serviceAccounts": [{"clientEmail": SA_EMAIL, "keyId": "abc123", "publicKeyPEM": public_pem(sa_key)}],
        "delegatedScopes": [GMAIL],
        "users": ["alice@northwind.example", "bob@northwind.example"],
        "apps": [
            {"tenant": TENANT, "clientId": SECRET_APP, "clientSecret": "fake-client-secret", "certificatePEM": None,
             "consented": True},
            {"tenant": TENANT, "clientId": CERT_APP, "clientSecret": None, "certificatePEM": pem(app_cert),
             "consented": True},
        ],
        "refreshTokens": [
            {"token": "rt-1", "clientId": "cid", "clientSecret": "csec", "user": "carol@northwind.example",
             "rotate": True},
            {"token": "rt-2", "clientId": PUBLIC_CLIENT, "clientSecret": None, "user": "dave@northwind.example",
             "rotate": False},
        ],
    }
    with tempfile.TemporaryDirectory() as tmp:
        process, port, out, err = start_server(config, tmp, "main")
        try:
            rotated = run_checks(Client(port), port, sa_key, wrong_key, app_key, other_key, app_cert, other_cert)
            run_checks_after(Client(port), rotated)
        finally:
            process.terminate()
            process.wait(timeout=10)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
        check("stdout is exactly one line", stdout == f"listening {port}\n", repr(stdout))
        check("no token in stdout/stderr", not any(t in stdout + stderr for t in issued + ["rt-1", "rt-2", "fake-client-secret"]))
        check("server exited cleanly on SIGTERM", process.returncode == 0, process.returncode)

        # natural expiry with a 1-second lifetime
        short, short_port, _, _ = start_server(dict(config, tokenLifetimeSeconds=1), tmp, "short")
        try:
            client = Client(short_port)
            status, answer, _ = client.post("/token", google_form(sa_key, short_port, "bob@northwind.example"))
            check("short: grant", status == 200 and answer["expires_in"] == 1, answer)
            check("short: active at once", client.introspect(answer["access_token"])["active"] == "true")
            time.sleep(1.3)
            check("short: inactive after lifetime", client.introspect(answer["access_token"]) == {"active": "false"})
        finally:
            short.terminate()
            short.wait(timeout=10)
    print(f"{passed} checks passed, {len(failures)} failed")
    return 1 if failures else 0


def google_claims(port, sub, **overrides):
    now = int(time.time())
    claims = {"iss": SA_EMAIL, "sub": sub, "scope": GMAIL, "aud": f"http://127.0.0.1:{port}/token",
              "iat": now, "exp": now + 3600}
    claims.update(overrides)
    return claims


def google_form(key, port, sub, kid="abc123", header=None, **overrides):
    header = header or {"alg": "RS256", "typ": "JWT", "kid": kid}
    return {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": sign_jwt(key, header, google_claims(port, sub, **overrides))}


def assertion_form(key, cert, port, client_id=CERT_APP, jti=None, use_sha256=False, **overrides):
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT"}
    if use_sha256:
        header["x5t#S256"] = b64url(cert.fingerprint(hashes.SHA256()))
    else:
        header["x5t"] = b64url(cert.fingerprint(hashes.SHA1()))
    claims = {"aud": f"http://127.0.0.1:{port}/{TENANT}/oauth2/v2.0/token", "iss": client_id, "sub": client_id,
              "jti": jti or str(uuid.uuid4()), "nbf": now, "exp": now + 600}
    claims.update(overrides)
    return {"grant_type": "client_credentials", "client_id": client_id, "scope": OUTLOOK,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": sign_jwt(key, header, claims)}


def expect_error(name, result, status, error, description=None, ms=False):
    code, answer, head = result
    ok = code == status and isinstance(answer, dict) and answer.get("error") == error
    if ok and description is not None:
        ok = answer.get("error_description", "").startswith(description)
    if ok and ms:
        ok = (isinstance(answer.get("error_codes"), list) and len(answer["error_codes"]) == 1
              and all(answer.get(k) for k in ("timestamp", "trace_id", "correlation_id")))
    ok = ok and head.get("Content-Type") == "application/json" and head.get("Cache-Control") == "no-store"
    check(name, ok, f"{code} {answer}")


def run_checks(c, port, sa_key, wrong_key, app_key, other_key, app_cert, other_cert):
    ms_path = f"/{TENANT}/oauth2/v2.0/token"
    alice, bob = "alice@northwind.example", "bob@northwind.example"

    # --- Google jwt-bearer
    status, answer, head = c.post("/token", google_form(sa_key, port, alice))
    check("jwt grant works", status == 200 and answer.get("token_type") == "Bearer"
          and answer.get("expires_in") == 3600 and answer.get("access_token"), answer)
    check("json + no-store headers", head.get("Content-Type") == "application/json"
          and head.get("Cache-Control") == "no-store")
    alice_token = answer["access_token"]
    bob_token = c.post("/token", google_form(sa_key, port, bob))[1]["access_token"]
    check("introspect alice active", c.introspect(alice_token) == {"active": "true", "username": alice})
    check("tokeninfo alice active",
          c.get("/tokeninfo?access_token=" + urllib.parse.quote(alice_token))[1]
          == {"active": "true", "username": alice})
    check("introspect unknown inactive", c.introspect("nope") == {"active": "false"})
    expect_error("wrong key -> invalid_grant", c.post("/token", google_form(wrong_key, port, alice)),
                 400, "invalid_grant", "Invalid JWT Signature.")
    expect_error("wrong kid -> invalid_grant", c.post("/token", google_form(sa_key, port, alice, kid="zzz")),
                 400, "invalid_grant", "Invalid JWT Signature.")
    expect_error("typ missing -> invalid_grant",
                 c.post("/token", google_form(sa_key, port, alice, header={"alg": "RS256", "kid": "abc123"})),
                 400, "invalid_grant", "Invalid JWT Signature.")
    expect_error("malformed jwt -> invalid_grant",
                 c.post("/token", {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                   "assertion": "a.b=.c"}), 400, "invalid_grant", "Invalid JWT Signature.")
    expect_error("unknown sub -> invalid_grant", c.post("/token", google_form(sa_key, port, "eve@else.example")),
                 400, "invalid_grant", "Invalid email or User ID")
    expect_error("scope not delegated -> unauthorized_client",
                 c.post("/token", google_form(sa_key, port, alice, scope=GMAIL + " https://www.googleapis.com/auth/drive")),
                 400, "unauthorized_client", "Client is unauthorized")
    expect_error("empty scope -> unauthorized_client", c.post("/token", google_form(sa_key, port, alice, scope="")),
                 400, "unauthorized_client")
    expect_error("wrong aud -> invalid_grant",
                 c.post("/token", google_form(sa_key, port, alice, aud="https://oauth2.googleapis.com/token")),
                 400, "invalid_grant", "Invalid JWT: Failed audience check")
    now = int(time.time())
    expect_error("too long-lived -> invalid_grant",
                 c.post("/token", google_form(sa_key, port, alice, iat=now, exp=now + 7200)),
                 400, "invalid_grant", "Invalid JWT: Token must be a short-lived token")
    expect_error("iat in future -> invalid_grant",
                 c.post("/token", google_form(sa_key, port, alice, iat=now + 900, exp=now + 1200)),
                 400, "invalid_grant", "Invalid JWT: Token must be a short-lived token")
    expect_error("expired -> invalid_grant",
                 c.post("/token", google_form(sa_key, port, alice, iat=now - 200, exp=now - 10)),
                 400, "invalid_grant", "Invalid JWT: Token must be a short-lived token")
    expect_error("json content-type -> invalid_request",
                 c.post("/token", None, raw=b'{"grant_type":"x"}', content_type="application/json"),
                 400, "invalid_request")
    expect_error("unsupported grant on /token", c.post("/token", {"grant_type": "client_credentials"}),
                 400, "unsupported_grant_type")

    # --- Microsoft client_credentials
    status, answer, _ = c.post(ms_path, {"grant_type": "client_credentials", "client_id": SECRET_APP,
                                         "client_secret": "fake-client-secret", "scope": OUTLOOK})
    check("client secret works", status == 200 and answer.get("token_type") == "Bearer"
          and answer.get("expires_in") == 3600 and answer.get("ext_expires_in") == 3600, answer)
    secret_app_token = answer["access_token"]
    check("introspect app token: active, no username", c.introspect(secret_app_token) == {"active": "true"})
    result = c.post(ms_path, {"grant_type": "client_credentials", "client_id": SECRET_APP,
                              "client_secret": "wrong", "scope": OUTLOOK},
                    headers={"client-request-id": "0f0f0f0f-1111-2222-3333-444444444444"})
    expect_error("wrong client secret -> 401 invalid_client", result, 401, "invalid_client", "AADSTS7000215", ms=True)
    check("error_codes 7000215 and correlation echoed", result[1].get("error_codes") == [7000215]
          and result[1].get("correlation_id") == "0f0f0f0f-1111-2222-3333-444444444444", result[1])
    expect_error("unknown tenant", c.post("/contoso.example/oauth2/v2.0/token",
                                          {"grant_type": "client_credentials", "client_id": SECRET_APP,
                                           "client_secret": "fake-client-secret", "scope": OUTLOOK}),
                 400, "invalid_request", "AADSTS90002: Tenant 'contoso.example' not found.", ms=True)
    expect_error("unknown client", c.post(ms_path, {"grant_type": "client_credentials", "client_id": "9999",
                                                    "client_secret": "fake-client-secret", "scope": OUTLOOK}),
                 400, "unauthorized_client", "AADSTS700016: Application with identifier '9999'", ms=True)
    expect_error("bad scope", c.post(ms_path, {"grant_type": "client_credentials", "client_id": SECRET_APP,
                                               "client_secret": "fake-client-secret", "scope": "https://graph.microsoft.com/.default"}),
                 400, "invalid_scope", "AADSTS70011", ms=True)
    status, answer, _ = c.post(ms_path, assertion_form(app_key, app_cert, port))
    check("client assertion (x5t) works", status == 200 and answer.get("access_token"), answer)
    cert_app_token = answer["access_token"]
    status, answer, _ = c.post(ms_path, assertion_form(app_key, app_cert, port, use_sha256=True))
    check("client assertion (x5t#S256) works", status == 200 and answer.get("access_token"), answer)
    expect_error("assertion wrong x5t -> 700027", c.post(ms_path, assertion_form(other_key, other_cert, port)),
                 401, "invalid_client", "AADSTS700027: The certificate with identifier", ms=True)
    expect_error("assertion bad signature -> 700027", c.post(ms_path, assertion_form(other_key, app_cert, port)),
                 401, "invalid_client", "AADSTS700027: Client assertion failed signature validation.", ms=True)
    jti = str(uuid.uuid4())
    check("assertion with fresh jti works", c.post(ms_path, assertion_form(app_key, app_cert, port, jti=jti))[0] == 200)
    expect_error("reused jti -> 700021", c.post(ms_path, assertion_form(app_key, app_cert, port, jti=jti)),
                 401, "invalid_client", "AADSTS700021", ms=True)
    expect_error("assertion wrong aud", c.post(ms_path, assertion_form(app_key, app_cert, port,
                                                                       aud="https://login.microsoftonline.com/x")),
                 401, "invalid_client", "AADSTS50013", ms=True)
    expect_error("assertion expired -> 700024",
                 c.post(ms_path, assertion_form(app_key, app_cert, port, nbf=now - 900, exp=now - 60)),
                 401, "invalid_client", "AADSTS700024", ms=True)
    expect_error("assertion iss != client_id", c.post(ms_path, assertion_form(app_key, app_cert, port, iss="x")),
                 401, "invalid_client", "AADSTS50027", ms=True)

    # --- refresh tokens
    result = c.post("/token", {"grant_type": "refresh_token", "refresh_token": "rt-1", "client_id": "cid",
                               "client_secret": "csec"})
    status, answer, _ = result
    check("refresh (rotate) works", status == 200 and answer.get("refresh_token") not in (None, "rt-1")
          and answer.get("scope") == GMAIL, answer)
    rotated, carol_token = answer["refresh_token"], answer["access_token"]
    check("introspect refresh-grant token", c.introspect(carol_token)
          == {"active": "true", "username": "carol@northwind.example"})
    expect_error("old refresh token dead after rotation",
                 c.post("/token", {"grant_type": "refresh_token", "refresh_token": "rt-1", "client_id": "cid",
                                   "client_secret": "csec"}),
                 400, "invalid_grant", "Token has been expired or revoked.")
    expect_error("refresh wrong secret -> 401", c.post("/token", {"grant_type": "refresh_token",
                                                                  "refresh_token": rotated, "client_id": "cid",
                                                                  "client_secret": "nope"}),
                 401, "invalid_client")
    expect_error("refresh wrong client -> unauthorized_client",
                 c.post("/token", {"grant_type": "refresh_token", "refresh_token": rotated, "client_id": "other",
                                   "client_secret": "csec"}), 400, "unauthorized_client")
    status, answer, _ = c.post("/token", {"grant_type": "refresh_token", "refresh_token": rotated,
                                          "client_id": "cid", "client_secret": "csec"})
    check("rotated refresh token works once", status == 200 and answer.get("refresh_token") not in (None, rotated))
    rotated = answer["refresh_token"]
    for attempt in (1, 2):
        status, answer, _ = c.post(ms_path, {"grant_type": "refresh_token", "refresh_token": "rt-2",
                                             "client_id": PUBLIC_CLIENT,
                                             "scope": "https://outlook.office365.com/IMAP.AccessAsUser.All offline_access"})
        check(f"ms refresh (no rotate) #{attempt}", status == 200 and "refresh_token" not in answer
              and answer.get("ext_expires_in") == 3600, answer)
    expect_error("ms refresh unknown -> 70008", c.post(ms_path, {"grant_type": "refresh_token",
                                                                "refresh_token": "rt-unknown",
                                                                "client_id": PUBLIC_CLIENT}),
                 400, "invalid_grant", "AADSTS70008", ms=True)
    expect_error("ms refresh public client with secret -> 700025",
                 c.post(ms_path, {"grant_type": "refresh_token", "refresh_token": "rt-2", "client_id": PUBLIC_CLIENT,
                                  "client_secret": "x"}), 401, "invalid_client", "AADSTS700025", ms=True)
    expect_error("ms refresh wrong client -> 70000",
                 c.post(ms_path, {"grant_type": "refresh_token", "refresh_token": "rt-2", "client_id": "x"}),
                 400, "invalid_grant", "AADSTS70000", ms=True)

    # --- robustness
    check("404", c.get("/nowhere")[:2] == (404, {"error": "not_found"}))
    check("405", c.get("/token")[0] == 405 and c.post("/admin/stats", {})[0] == 405)
    check("413", c.post("/token", None, raw=b"a" * (64 * 1024 + 1))[0] == 413)
    expect_error("invalid utf-8 form", c.post("/token", None, raw=b"grant_type=\xff\xfe"), 400, "invalid_request")
    expect_error("form without '='", c.post("/token", None, raw=b"grant_type"), 400, "invalid_request")
    expect_error("repeated parameter", c.post("/token", None, raw=b"grant_type=a&grant_type=b"), 400, "invalid_request")
    expect_error("garbage on ms path", c.post(ms_path, None, raw=b"\x00\x01&&=="), 400, "invalid_request", ms=True)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:  # a raw broken request
        sock.sendall(b"POST /token HTTP/1.1\r\nContent-Length: nope\r\n\r\n")
        check("bad Content-Length -> 400", sock.recv(100).startswith(b"HTTP/1.1 400"))
    check("still alive after garbage", c.introspect(alice_token) == {"active": "true", "username": alice})

    # --- admin: expire, revoke, revoke-app
    check("/admin/expire", c.post("/admin/expire", {})[0] == 200)
    for name, token in (("alice", alice_token), ("bob", bob_token), ("secret app", secret_app_token),
                        ("cert app", cert_app_token), ("carol", carol_token)):
        check(f"{name} inactive after /admin/expire", c.introspect(token) == {"active": "false"})
    alice_token = c.post("/token", google_form(sa_key, port, alice))[1]["access_token"]
    bob_token = c.post("/token", google_form(sa_key, port, bob))[1]["access_token"]
    check("new token active after expire", c.introspect(alice_token)["active"] == "true")
    check("/admin/revoke", c.post("/admin/revoke", {"subject": alice})[:2][1].get("revoked") == alice)
    check("alice inactive after revoke", c.introspect(alice_token) == {"active": "false"})
    check("bob still active", c.introspect(bob_token) == {"active": "true", "username": bob})
    expect_error("revoked sub -> invalid_grant", c.post("/token", google_form(sa_key, port, alice)),
                 400, "invalid_grant", f"Delegation denied for {alice}")
    app_token = c.post(ms_path, assertion_form(app_key, app_cert, port))[1]["access_token"]
    check("cert app token active", c.introspect(app_token) == {"active": "true"})
    check("/admin/revoke-app", c.post("/admin/revoke-app", {"clientId": CERT_APP})[0] == 200)
    check("app token inactive after revoke-app", c.introspect(app_token) == {"active": "false"})
    expect_error("revoked app -> 65001", c.post(ms_path, assertion_form(app_key, app_cert, port)),
                 400, "invalid_grant", "AADSTS65001", ms=True)
    return rotated


def run_checks_after(c, rotated):
    status, stats, _ = c.get("/admin/stats")
    expected_counts = {
        "jwt-bearer": {"alice@northwind.example": 2, "bob@northwind.example": 2},
        "client_credentials": {SECRET_APP: 1, CERT_APP: 4},
        "refresh_token": {"carol@northwind.example": 2, "dave@northwind.example": 2},
    }
    check("stats tokenRequests", status == 200 and stats["tokenRequests"] == expected_counts, stats)
    check("stats refreshTokens", stats["refreshTokens"] == {"carol@northwind.example": rotated,
                                                            "dave@northwind.example": "rt-2"}, stats)
    check("stats failedTokenRequests", stats["failedTokenRequests"] == 37, stats["failedTokenRequests"])
    check("stats introspections", (stats["introspections"], stats["activeIntrospections"]) == (16, 8),
          (stats["introspections"], stats["activeIntrospections"]))


if __name__ == "__main__":
    sys.exit(main())
