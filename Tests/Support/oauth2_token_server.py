#!/usr/bin/env python3
"""A strict OAuth 2 token server for share-detector's tests: Google's and Microsoft's token endpoints and the
introspection Dovecot's oauth2 passdb calls. 127.0.0.1 only, no network, Python 3.11 + cryptography 38 API.

Start: python3 oauth2_token_server.py CONFIG.json   (keys: port (0 = any), portFile (written atomically once
listening), tokenLifetimeSeconds, serviceAccounts [{clientEmail, keyId, publicKeyPEM}], delegatedScopes, users,
apps [{tenant, clientId, clientSecret|null, certificatePEM|null, consented, mailDomain}],
refreshTokens [{token, clientId, clientSecret|null, user, rotate}]). Stdout: one line "listening <port>".
Stderr: short error lines, never a token. Answers are JSON with Cache-Control: no-store.

What it checks:
  POST /token (Google)  jwt-bearer: header alg RS256, typ JWT, kid = keyId of the account named by iss; RS256
      signature; aud = http://127.0.0.1:<port>/token; iat within 300 s, exp > now, exp - iat <= 3600; scopes
      non-empty and all delegated; sub an existing, unrevoked user. Also refresh_token.
  POST /<tenant>/oauth2/v2.0/token (Microsoft)  client_credentials: tenant, app, then client_secret or a client
      assertion (RS256, x5t or x5t#S256 of the app's certificate, signature, aud = this URL, iss = sub =
      client_id, jti never reused, exp > now, nbf <= now + 300), scope = https://outlook.office365.com/.default,
      consent. Also refresh_token. Errors carry AADSTS codes, error_codes, timestamp, trace_id, correlation_id.
  refresh_token (both)  client_id and (when stored) client_secret must match; rotate: a new refresh token is
      returned and the old one dies at once.
  POST /introspect (form token=), GET /tokeninfo?access_token=  {"active":"true","username":<user>} (app tokens:
      <clientId>@mailDomain, or no username) or {"active":"false"}: Dovecot's introspection_mode = post / tokeninfo_url.
  POST /admin/revoke (subject=), /admin/revoke-app (clientId=), /admin/expire; GET /admin/stats (counts,
  current refresh tokens, every access token issued).

Tests write a temporary config, start this, wait for portFile, point the service-account key's token_uri, the
Microsoft authority and Dovecot's introspection_url at it, and read /admin/stats to count grants.
"""
import base64, datetime, hmac, json, os, re, secrets, signal, sys, threading, time, urllib.parse, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

MAX_BODY = 64 * 1024
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
OUTLOOK_SCOPE = "https://outlook.office365.com/.default"
MS_TOKEN_PATH = re.compile(r"^/([^/]+)/oauth2/v2\.0/token$")
BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")
# path -> (method, handler, error style); the Microsoft path is matched by MS_TOKEN_PATH.
ROUTES = {
    "/token": ("POST", "google_token", "google"),
    "/introspect": ("POST", "introspect", "plain"),
    "/tokeninfo": ("GET", "tokeninfo", "plain"),
    "/admin/revoke": ("POST", "admin_revoke", "plain"),
    "/admin/revoke-app": ("POST", "admin_revoke_app", "plain"),
    "/admin/expire": ("POST", "admin_expire", "plain"),
    "/admin/stats": ("GET", "admin_stats", "plain"),
}
# Google's descriptions.
BAD_SIGNATURE = "Invalid JWT Signature."
BAD_TIMEFRAME = ("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
                 "Check your iat and exp values in the JWT claim.")
NOT_DELEGATED = ("Client is unauthorized to retrieve access tokens using this method, or client not authorized "
                 "for any of the scopes requested.")
# Microsoft's answers by AADSTS code: (status, error, description). error_body() adds error_codes, timestamp,
# trace_id and correlation_id, and appends them to the description, as Microsoft does.
AADSTS = {
    50013: (401, "invalid_client", "Assertion audience claim does not match the required value {audience}."),
    50027: (401, "invalid_client", "JWT token is invalid or malformed."),
    65001: (400, "invalid_grant", "The user or administrator has not consented to use the application with ID "
            "'{client_id}'. Send an interactive authorization request for this user and resource."),
    70000: (400, "invalid_grant", "Provided grant is invalid or malformed."),
    70003: (400, "unsupported_grant_type", "The app requested an unsupported grant type '{grant}'."),
    70008: (400, "invalid_grant", "The provided authorization code or refresh token has expired due to inactivity. "
            "Send a new interactive authorization request for this user and resource."),
    70011: (400, "invalid_scope", "The provided request must include a 'scope' input parameter. The provided value "
            "for the input parameter 'scope' is not valid."),
    90002: (400, "invalid_request", "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
            "and are signing into the correct cloud."),
    90014: (400, "invalid_request", "The required field 'client_assertion_type' is missing or invalid."),
    90023: (400, "invalid_request", "Present either 'client_assertion' or 'client_secret', not both."),
    700016: (400, "unauthorized_client", "Application with identifier '{client_id}' was not found in the directory "
             "'{tenant}'. This can happen if the application has not been installed by the administrator."),
    700021: (401, "invalid_client", "Client assertion jti was already used."),
    700024: (401, "invalid_client", "Client assertion is not within its valid time range."),
    700025: (401, "invalid_client", "Client is public so neither 'client_assertion' nor 'client_secret' should "
             "be presented."),
    700027: (401, "invalid_client", "{reason}"),
    900144: (400, "invalid_request", "The request body must contain the following parameter: '{name}'."),
    7000215: (401, "invalid_client", "Invalid client secret provided. Ensure the secret being sent in the request is "
              "the client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
    7000218: (401, "invalid_client", "The request body must contain 'client_assertion' or 'client_secret'."),
}
UNREGISTERED = ("The certificate with identifier used to sign the client assertion is not registered on "
                "application. [Reason - The key was not found.]")


class OAuthError(Exception):
    def __init__(self, status, error, description, close=False):
        super().__init__(error)
        self.status, self.error, self.description, self.close = status, error, description, close


def aadsts(code, **values):
    status, error, text = AADSTS[code]
    return OAuthError(status, error, f"AADSTS{code}: " + text.format(**values))


def b64url_decode(part):
    if not BASE64URL.match(part) or len(part) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def parse_jwt(token):
    """(header, claims, signing input, signature); ValueError when it is not a JWS in compact form."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not three parts")
    header, claims = json.loads(b64url_decode(parts[0])), json.loads(b64url_decode(parts[1]))
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("not JSON objects")
    return header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), b64url_decode(parts[2])


def rs256_valid(key, signing_input, signature):
    try:
        key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        return True
    except InvalidSignature:
        return False


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def same_secret(given, stored):
    return given is not None and hmac.compare_digest(given.encode("utf-8"), stored.encode("utf-8"))


class State:
    """Everything the server knows; every read and write holds `lock`."""

    def __init__(self, config):
        self.lock = threading.Lock()
        self.port = 0
        self.lifetime = int(config.get("tokenLifetimeSeconds", 3600))
        self.accounts = {}  # clientEmail -> (keyId, RSA public key)
        for account in config.get("serviceAccounts", []):
            key = serialization.load_pem_public_key(account["publicKeyPEM"].encode())
            if not isinstance(key, rsa.RSAPublicKey):
                raise SystemExit(f"service account {account['clientEmail']}: not an RSA public key")
            self.accounts[account["clientEmail"]] = (account["keyId"], key)
        self.scopes = set(config.get("delegatedScopes", []))
        self.users = {user.lower(): user for user in config.get("users", [])}
        self.apps = {}  # (tenant lowercased, clientId) -> app dict (+ "cert": (key, x5t, x5t#S256) or None)
        for app in config.get("apps", []):
            entry = dict(app, cert=None, consented=bool(app.get("consented", True)))
            if app.get("certificatePEM"):
                cert = x509.load_pem_x509_certificate(app["certificatePEM"].encode())
                if not isinstance(cert.public_key(), rsa.RSAPublicKey):
                    raise SystemExit(f"app {app['clientId']}: certificate key is not RSA")
                entry["cert"] = (cert.public_key(), b64url(cert.fingerprint(hashes.SHA1())),
                                 b64url(cert.fingerprint(hashes.SHA256())))
            self.apps[(app["tenant"].lower(), app["clientId"])] = entry
        self.tenants = {tenant for tenant, _ in self.apps}
        self.refresh = {entry["token"]: dict(entry) for entry in config.get("refreshTokens", [])}
        self.revoked_users = set()  # lowercased
        self.tokens = {}  # access token -> {subject, expiry, grant, clientId, revoked}
        self.used_jti = set()  # (clientId, jti)
        self.counts = {"jwt-bearer": {}, "client_credentials": {}, "refresh_token": {}}
        self.failed = self.introspections = self.active_introspections = 0

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def issue(self, grant, counted_as, subject, client_id):
        token = secrets.token_urlsafe(32)
        self.tokens[token] = {"subject": subject, "expiry": time.time() + self.lifetime, "grant": grant,
                              "clientId": client_id, "revoked": False}
        self.counts[grant][counted_as] = self.counts[grant].get(counted_as, 0) + 1
        return token

    def revoke(self, matches):
        hit = [record for record in self.tokens.values() if matches(record)]
        for record in hit:
            record["revoked"] = True
        return len(hit)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    version_string = lambda self: "oauth2-test-server"
    error_content_type = "application/json"  # http.server's own errors (bad request line, unknown method)
    error_message_format = '{"error": "invalid_request", "status": %(code)d}'

    def log_message(self, format, *args):
        pass  # request lines can carry tokens (/tokeninfo?access_token=…)

    def dispatch(self):
        """Routes every method: unknown path 404, wrong method 405, else the handler; errors become JSON."""
        path, _, self.query = self.path.partition("?")
        match = MS_TOKEN_PATH.match(path)
        route = ("POST", "ms_token", "ms") if match else ROUTES.get(path)
        if route is None:
            return self.send_json(404, {"error": "not_found"}, close=True)
        method, name, style = route
        if self.command != method:
            return self.send_json(405, {"error": "method_not_allowed"}, close=True, allow=method)
        self.tenant = urllib.parse.unquote(match.group(1)) if match else None
        try:
            status, answer = getattr(self, name)(self.read_body())
            self.send_json(status, answer)
        except OAuthError as err:
            self.count_failure(style)
            self.send_json(err.status, self.error_body(style, err), close=err.close)
        except Exception as exc:  # never crash, never echo the request (it may hold secrets)
            sys.stderr.write(f"oauth2_token_server: {self.command} {path}: {type(exc).__name__}\n")
            self.count_failure(style)
            err = OAuthError(400, "invalid_request", "Malformed request.", close=True)
            self.send_json(400, self.error_body(style, err), close=True)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = dispatch

    def count_failure(self, style):
        if style != "plain":
            with self.server.state.lock:
                self.server.state.failed += 1

    def read_body(self):
        if self.headers.get("Transfer-Encoding"):
            raise OAuthError(411, "invalid_request", "Content-Length is required.", close=True)
        length = self.headers.get("Content-Length", "0").strip()
        if not length.isdigit():
            raise OAuthError(400, "invalid_request", "Bad Content-Length.", close=True)
        if int(length) > MAX_BODY:
            raise OAuthError(413, "invalid_request", f"Request body larger than {MAX_BODY} bytes.", close=True)
        return self.rfile.read(int(length))

    def parse_form(self, data, require_form_type):
        if require_form_type:
            media_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if media_type != "application/x-www-form-urlencoded":
                raise OAuthError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded.")
        return self.parse_pairs(data.decode("utf-8"))

    @staticmethod
    def parse_pairs(text):
        form = {}
        for key, value in urllib.parse.parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text),
                                                 errors="strict"):
            if key in form:
                raise OAuthError(400, "invalid_request", f"Parameter '{key}' is repeated.")
            form[key] = value
        return form

    def error_body(self, style, err):
        body = {"error": err.error, "error_description": err.description}
        if style == "ms":
            code = re.match(r"AADSTS(\d+)", err.description)
            description = err.description if code else f"AADSTS90100: {err.description}"
            number = int(code.group(1)) if code else 90100
            stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
            trace = str(uuid.uuid4())
            asked = self.headers.get("client-request-id", "")
            correlation = asked if re.fullmatch(r"[0-9A-Fa-f-]{1,64}", asked) else str(uuid.uuid4())
            body = {"error": err.error,
                    "error_description": f"{description}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}"
                                         f"\r\nTimestamp: {stamp}",
                    "error_codes": [number], "timestamp": stamp, "trace_id": trace, "correlation_id": correlation,
                    "error_uri": f"https://login.microsoftonline.com/error?code={number}"}
        return body

    def send_json(self, status, answer, close=False, allow=None):
        data = json.dumps(answer).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        if allow:
            self.send_header("Allow", allow)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    # MARK: Google

    def google_token(self, data):
        form = self.parse_form(data, True)
        grant = form.get("grant_type")
        if not grant:
            raise OAuthError(400, "invalid_request", "Missing required parameter: grant_type")
        if grant == JWT_BEARER:
            return self.jwt_grant(form)
        if grant == "refresh_token":
            return self.refresh_grant(form, ms=False)
        raise OAuthError(400, "unsupported_grant_type", f"Invalid grant_type: {grant}")

    def jwt_grant(self, form):
        state = self.server.state
        if not form.get("assertion"):
            raise OAuthError(400, "invalid_request", "Missing required parameter: assertion")
        try:
            header, claims, signed, signature = parse_jwt(form["assertion"])
        except ValueError:
            raise OAuthError(400, "invalid_grant", BAD_SIGNATURE)
        if header.get("alg") != "RS256" or header.get("typ") != "JWT":
            raise OAuthError(400, "invalid_grant", BAD_SIGNATURE)
        issuer = claims.get("iss")
        account = state.accounts.get(issuer) if isinstance(issuer, str) else None
        if account is None:
            raise OAuthError(400, "invalid_grant", "Invalid grant: account not found")
        key_id, key = account
        if header.get("kid") != key_id or not rs256_valid(key, signed, signature):
            raise OAuthError(400, "invalid_grant", BAD_SIGNATURE)
        audience = state.url("/token")
        if claims.get("aud") != audience:
            raise OAuthError(400, "invalid_grant",
                             f"Invalid JWT: Failed audience check. The right audience is {audience}")
        now, iat, exp = time.time(), claims.get("iat"), claims.get("exp")
        if not (is_number(iat) and is_number(exp) and abs(now - iat) <= 300 and exp > now and iat < exp
                and exp - iat <= 3600):
            raise OAuthError(400, "invalid_grant", BAD_TIMEFRAME)
        scopes = claims["scope"].split() if isinstance(claims.get("scope"), str) else []
        if not scopes or any(scope not in state.scopes for scope in scopes):
            raise OAuthError(400, "unauthorized_client", NOT_DELEGATED)
        subject = claims.get("sub")
        with state.lock:
            user = state.users.get(subject.lower()) if isinstance(subject, str) else None
            if user is None:
                raise OAuthError(400, "invalid_grant", "Invalid email or User ID")
            if user.lower() in state.revoked_users:
                raise OAuthError(400, "invalid_grant", f"Delegation denied for {user}")
            token = state.issue("jwt-bearer", user, user, None)
        return 200, {"access_token": token, "expires_in": state.lifetime, "token_type": "Bearer"}

    # MARK: Microsoft

    def ms_token(self, data):
        state, tenant = self.server.state, self.tenant
        form = self.parse_form(data, True)
        grant = form.get("grant_type")
        if not grant:
            raise aadsts(900144, name="grant_type")
        if grant == "refresh_token":  # delegated tokens may also use the multi-tenant authorities
            if tenant.lower() not in state.tenants | {"common", "organizations", "consumers"}:
                raise aadsts(90002, tenant=tenant)
            return self.refresh_grant(form, ms=True)
        if grant != "client_credentials":
            raise aadsts(70003, grant=grant)
        if tenant.lower() not in state.tenants:
            raise aadsts(90002, tenant=tenant)
        client_id = form.get("client_id")
        if not client_id:
            raise aadsts(900144, name="client_id")
        app = state.apps.get((tenant.lower(), client_id))
        if app is None:
            raise aadsts(700016, client_id=client_id, tenant=tenant)
        self.authenticate_app(app, form)
        if form.get("scope") != OUTLOOK_SCOPE:
            raise aadsts(70011)
        with state.lock:
            if not app["consented"]:
                raise aadsts(65001, client_id=client_id)
            token = state.issue("client_credentials", client_id, None, client_id)
        return 200, {"token_type": "Bearer", "expires_in": state.lifetime, "ext_expires_in": state.lifetime,
                     "access_token": token}

    def authenticate_app(self, app, form):
        secret, assertion = form.get("client_secret"), form.get("client_assertion")
        assertion_type = form.get("client_assertion_type")
        if secret is not None and (assertion is not None or assertion_type is not None):
            raise aadsts(90023)
        if secret is not None:
            if app.get("clientSecret") is None or not same_secret(secret, app["clientSecret"]):
                raise aadsts(7000215, client_id=app["clientId"])
            return
        if assertion is None and assertion_type is None:
            raise aadsts(7000218)
        if assertion_type != ASSERTION_TYPE:
            raise aadsts(90014)
        if not assertion:
            raise aadsts(900144, name="client_assertion")
        self.verify_client_assertion(app, assertion)

    def verify_client_assertion(self, app, assertion):
        state, client_id = self.server.state, app["clientId"]
        try:
            header, claims, signed, signature = parse_jwt(assertion)
        except ValueError:
            raise aadsts(50027)
        if header.get("alg") != "RS256":
            raise aadsts(50027)
        sha1, sha256, cert = header.get("x5t"), header.get("x5t#S256"), app["cert"]
        if (cert is None or (sha1 is None and sha256 is None) or (sha1 is not None and sha1 != cert[1])
                or (sha256 is not None and sha256 != cert[2])):
            raise aadsts(700027, reason=UNREGISTERED)
        if not rs256_valid(cert[0], signed, signature):
            raise aadsts(700027, reason="Client assertion failed signature validation.")
        audience, aud = state.url(f"/{self.tenant}/oauth2/v2.0/token"), claims.get("aud")
        if not (aud == audience or (isinstance(aud, list) and audience in aud)):
            raise aadsts(50013, audience=audience)
        jti = claims.get("jti")
        if claims.get("iss") != client_id or claims.get("sub") != client_id or not isinstance(jti, str) or not jti:
            raise aadsts(50027)
        now, exp, nbf = time.time(), claims.get("exp"), claims.get("nbf", 0)
        if not (is_number(exp) and exp > now and is_number(nbf) and nbf <= now + 300):
            raise aadsts(700024)
        with state.lock:
            if (client_id, jti) in state.used_jti:
                raise aadsts(700021)
            state.used_jti.add((client_id, jti))

    # MARK: refresh_token (both paths)

    def refresh_grant(self, form, ms):
        state = self.server.state
        presented, client_id, secret = form.get("refresh_token"), form.get("client_id"), form.get("client_secret")
        if not presented:
            raise aadsts(900144, name="refresh_token") if ms else OAuthError(
                400, "invalid_request", "Missing required parameter: refresh_token")
        if not client_id:
            raise aadsts(900144, name="client_id") if ms else OAuthError(
                400, "invalid_request", "Could not determine client ID from request.")
        with state.lock:
            entry = state.refresh.get(presented)
            if entry is None or entry["user"].lower() in state.revoked_users:
                raise aadsts(70008) if ms else OAuthError(400, "invalid_grant", "Token has been expired or revoked.")
            if entry["clientId"] != client_id:
                raise aadsts(70000) if ms else OAuthError(400, "unauthorized_client", "Unauthorized")
            stored = entry.get("clientSecret")
            if stored is None and ms and secret is not None:
                raise aadsts(700025)
            if stored is not None and not same_secret(secret, stored):
                raise aadsts(7000215, client_id=client_id) if ms else OAuthError(401, "invalid_client", "Unauthorized")
            user = entry["user"]
            token = state.issue("refresh_token", user, user, client_id)
            scope = form.get("scope") or (
                "https://outlook.office365.com/IMAP.AccessAsUser.All" if ms else "https://mail.google.com/")
            answer = {"access_token": token, "token_type": "Bearer", "expires_in": state.lifetime, "scope": scope}
            if ms:
                answer["ext_expires_in"] = state.lifetime
            if entry.get("rotate"):
                del state.refresh[presented]
                fresh = "rt-" + secrets.token_urlsafe(32)
                state.refresh[fresh] = dict(entry, token=fresh)
                answer["refresh_token"] = fresh
        return 200, answer

    # MARK: introspection (Dovecot)

    def introspect(self, data):
        return self.token_status(self.parse_form(data, False).get("token", ""))

    def tokeninfo(self, data):
        return self.token_status(self.parse_pairs(self.query).get("access_token", ""))

    def token_status(self, token):
        state = self.server.state
        with state.lock:
            state.introspections += 1
            record = state.tokens.get(token)
            if record is None or record["revoked"] or record["expiry"] <= time.time():
                return 200, {"active": "false"}
            state.active_introspections += 1
            if record["subject"]:
                return 200, {"active": "true", "username": record["subject"]}
            # An application token opens every mailbox of the app's mail domain (Exchange's FullAccess): it answers
            # as <clientId>@<mailDomain>, and a Dovecot comparing only domains (username_format = %Ld) lets it in.
            app = next((a for a in state.apps.values() if a["clientId"] == record["clientId"]), None)
            domain = (app or {}).get("mailDomain")
            return 200, {"active": "true", "username": f"{record['clientId']}@{domain}"} if domain else {"active": "true"}

    # MARK: admin

    def admin_revoke(self, data):
        state, subject = self.server.state, self.parse_form(data, False).get("subject")
        if not subject:
            raise OAuthError(400, "invalid_request", "subject is required")
        with state.lock:
            state.revoked_users.add(subject.lower())
            count = state.revoke(lambda r: (r["subject"] or "").lower() == subject.lower())
        return 200, {"revoked": subject, "accessTokens": count}

    def admin_revoke_app(self, data):
        state, client_id = self.server.state, self.parse_form(data, False).get("clientId")
        with state.lock:
            apps = [app for app in state.apps.values() if app["clientId"] == client_id]
            if not apps:
                raise OAuthError(400, "invalid_request", "unknown clientId")
            for app in apps:
                app["consented"] = False
            count = state.revoke(lambda r: r["grant"] == "client_credentials" and r["clientId"] == client_id)
        return 200, {"revoked": client_id, "accessTokens": count}

    def admin_expire(self, data):
        state, now = self.server.state, time.time()
        with state.lock:
            for record in state.tokens.values():
                record["expiry"] = min(record["expiry"], now)
            return 200, {"expired": len(state.tokens)}

    def admin_stats(self, data):
        state = self.server.state
        with state.lock:
            return 200, {"tokenRequests": json.loads(json.dumps(state.counts)), "failedTokenRequests": state.failed,
                         "introspections": state.introspections,
                         "activeIntrospections": state.active_introspections,
                         "refreshTokens": {e["user"]: token for token, e in state.refresh.items()},
                         # Every access token issued, so tests can prove none leaked into output or files.
                         "accessTokens": sorted(state.tokens)}


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        sys.stderr.write(f"oauth2_token_server: connection error: {type(sys.exc_info()[1]).__name__}\n")


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: oauth2_token_server.py CONFIG.json\n")
        return 2
    with open(argv[1], encoding="utf-8") as file:
        config = json.load(file)
    state = State(config)
    server = Server(("127.0.0.1", int(config.get("port", 0))), Handler)
    server.state = state
    state.port = server.server_address[1]
    if config.get("portFile"):
        temporary = f"{config['portFile']}.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(f"{state.port}\n")
        os.replace(temporary, config["portFile"])
    print(f"listening {state.port}", flush=True)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
