"""A Merkle tree hash as in RFC 6962 (Certificate Transparency), section 2.1: leaves
and inner nodes hashed with distinct prefixes, so a leaf cannot pose as a subtree."""

import hashlib

EMPTY = hashlib.sha256(b"").hexdigest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def root(leaves: list[bytes]) -> str:
    """The tree hash over the leaves' data, in their order (hex)."""
    if not leaves:
        return EMPTY
    return _subtree([leaf_hash(x) for x in leaves]).hex()


def _subtree(hashes: list[bytes]) -> bytes:
    if len(hashes) == 1:
        return hashes[0]
    split = 1 << ((len(hashes) - 1).bit_length() - 1)  # largest power of two below n
    left, right = _subtree(hashes[:split]), _subtree(hashes[split:])
    return hashlib.sha256(b"\x01" + left + right).digest()
