"""The server's Ed25519 key that signs audit checkpoints, and the public keys trusted
when verifying them.

The private key comes from POLICYFLOW_AUDIT_KEY (64 hex digits: the raw 32-byte key)
or else from the file POLICYFLOW_AUDIT_KEY_FILE (default `.audit_signing_key` in the
project folder, git-ignored like `.secret_key`), created with mode 0600 the first time a
checkpoint is written. It never goes into the database: an attacker who can write the
database but not read the servers' files cannot sign a checkpoint. Each checkpoint records
its public key; a verifier trusts the keys of POLICYFLOW_AUDIT_PUBLIC_KEYS (comma-separated
hex: the published key, and retired ones after a rotation) and the configured key's own.
"""

import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
DEFAULT_KEY_FILE = PROJECT_DIR / ".audit_signing_key"


def key_file() -> Path:
    return Path(os.environ.get("POLICYFLOW_AUDIT_KEY_FILE") or DEFAULT_KEY_FILE)


def signing_key(create: bool = True) -> Ed25519PrivateKey | None:
    """The configured private key (made and saved on first use when `create`)."""
    raw = os.environ.get("POLICYFLOW_AUDIT_KEY", "").strip()
    if raw:
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(raw))
    path = key_file()
    if path.exists():
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(path.read_text().strip()))
    if not create:
        return None
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(seed + "\n")
    return key


def public_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def trusted_keys() -> set[str]:
    """The public keys (hex) a checkpoint may be signed with."""
    listed = os.environ.get("POLICYFLOW_AUDIT_PUBLIC_KEYS", "")
    found = {k.strip().lower() for k in listed.split(",") if k.strip()}
    own = signing_key(create=False)
    if own is not None:
        found.add(public_hex(own))
    return found


def sign(key: Ed25519PrivateKey, message: str) -> str:
    return key.sign(message.encode("ascii")).hex()


def signature_holds(public_key: str, message: str, signature: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(
            bytes.fromhex(signature), message.encode("ascii")
        )
    except (InvalidSignature, ValueError):
        return False
    return True
