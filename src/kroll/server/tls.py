"""Credentials generated into the data dir on first start: a CA, a serving certificate, a
bearer token, and the kubeconfig that ties them together (mode 0600).

ECDSA P-256 keys: generated in milliseconds, accepted by kubectl. Go refuses CN-only
certificates, so the serving certificate carries SANs for localhost and the loopback IPs.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = dt.timedelta(days=3650)


@dataclass(frozen=True)
class Credentials:
    ca_cert: Path
    server_cert: Path
    server_key: Path
    token: str


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def ensure_credentials(pki_dir: Path) -> Credentials:
    """Create the CA, serving certificate and token once; reuse them on later starts."""
    pki_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    creds = Credentials(pki_dir / "ca.crt", pki_dir / "apiserver.crt", pki_dir / "apiserver.key",
                        token="")
    token_file = pki_dir / "token"
    if not (creds.ca_cert.exists() and creds.server_cert.exists() and creds.server_key.exists()
            and token_file.exists()):
        _generate(creds)
        _write_private(token_file, secrets.token_urlsafe(32).encode())
    return Credentials(creds.ca_cert, creds.server_cert, creds.server_key, token_file.read_text().strip())


def _generate(creds: Credentials) -> None:
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kroll-ca")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    sans = [x509.DNSName("localhost"), x509.DNSName("kubernetes"), x509.DNSName("kubernetes.default"),
            x509.DNSName("kubernetes.default.svc"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.IPAddress(ipaddress.ip_address("::1")),
            x509.IPAddress(ipaddress.ip_address("10.96.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(creds.ca_cert.with_name("ca.key"), _key_pem(ca_key))
    _write_private(creds.ca_cert, ca_cert.public_bytes(serialization.Encoding.PEM))
    _write_private(creds.server_key, _key_pem(key))
    _write_private(creds.server_cert, cert.public_bytes(serialization.Encoding.PEM))


def write_kubeconfig(path: Path, *, server: str, creds: Credentials) -> None:
    import base64

    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "kroll", "cluster": {
            "server": server,
            "certificate-authority-data": base64.b64encode(creds.ca_cert.read_bytes()).decode()}}],
        "users": [{"name": "kroll-admin", "user": {"token": creds.token}}],
        "contexts": [{"name": "kroll", "context": {"cluster": "kroll", "user": "kroll-admin",
                                                   "namespace": "default"}}],
        "current-context": "kroll",
        "preferences": {},
    }
    _write_private(path, yaml.safe_dump(config, sort_keys=False).encode())
