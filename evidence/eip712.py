"""EIP-712 typed data of ledger entries: the entry hash, signing and signer recovery.

The type string and domain are those of ``contracts/ConsignmentLedger.sol``; a test
proves the contract's ``hashEntry`` equals :func:`entry_hash` for the same entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from coincurve import PublicKey
from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from evidence.errors import LedgerValueError
from evidence.keccak import keccak256
from evidence.types import Address, Hash32

DOMAIN_NAME = "BorderLedger"
DOMAIN_VERSION = "1"

ENTRY_TYPES: dict[str, list[dict[str, str]]] = {
    "Entry": [
        {"name": "consignment", "type": "bytes32"},
        {"name": "seq", "type": "uint64"},
        {"name": "prevHash", "type": "bytes32"},
        {"name": "eventType", "type": "bytes32"},
        {"name": "payloadHash", "type": "bytes32"},
        {"name": "cid", "type": "string"},
        {"name": "nextCarrier", "type": "address"},
        {"name": "actor", "type": "address"},
    ]
}

# secp256k1 group order; signatures with s above half of it are malleable copies.
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@dataclass(frozen=True)
class Domain:
    """The EIP-712 domain: binds an entry to one chain and one ledger contract."""

    chain_id: int
    verifying_contract: Address

    def as_dict(self) -> dict[str, Any]:
        """The domain in the shape eth-account expects."""
        return {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": to_checksum_address(self.verifying_contract),
        }


@dataclass(frozen=True)
class Entry:
    """One evidence entry: the struct its actor signs (see ``IConsignmentLedger.Entry``)."""

    consignment: Hash32
    seq: int
    prev_hash: Hash32
    event_type: Hash32
    payload_hash: Hash32
    cid: str
    next_carrier: Address
    actor: Address

    def message(self) -> dict[str, Any]:
        """The EIP-712 message fields."""
        return {
            "consignment": bytes(self.consignment),
            "seq": self.seq,
            "prevHash": bytes(self.prev_hash),
            "eventType": bytes(self.event_type),
            "payloadHash": bytes(self.payload_hash),
            "cid": self.cid,
            "nextCarrier": _checksum(self.next_carrier),
            "actor": _checksum(self.actor),
        }

    def as_tuple(self) -> tuple[Any, ...]:
        """The ABI tuple for ``appendEvent``."""
        m = self.message()
        return tuple(m[f["name"]] for f in ENTRY_TYPES["Entry"])


def _signable(entry: Entry, domain: Domain, log: bool) -> SignableMessage:
    types = {"LogEntry": ENTRY_TYPES["Entry"]} if log else ENTRY_TYPES
    return encode_typed_data(domain.as_dict(), types, entry.message())


_FIELDS = (
    "(bytes32 consignment,uint64 seq,bytes32 prevHash,bytes32 eventType,bytes32 payloadHash,string cid,"
    "address nextCarrier,address actor)"
)
ENTRY_TYPE = "Entry" + _FIELDS
# An entry for the Merkle log is the same struct under another type name: its signature can
# never pass for a ledger entry's (ConsignmentLedger.appendEvent), nor the other way round.
LOG_ENTRY_TYPE = "LogEntry" + _FIELDS
_ENTRY_TYPEHASH = keccak(text=ENTRY_TYPE)
_LOG_ENTRY_TYPEHASH = keccak(text=LOG_ENTRY_TYPE)
_DOMAIN_TYPEHASH = keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")


@lru_cache(maxsize=64)
def domain_separator(domain: Domain) -> bytes:
    """hashStruct(EIP712Domain) of ``domain``."""
    return keccak(
        _DOMAIN_TYPEHASH
        + keccak(text=DOMAIN_NAME)
        + keccak(text=DOMAIN_VERSION)
        + domain.chain_id.to_bytes(32, "big")
        + bytes(12)
        + bytes.fromhex(domain.verifying_contract[2:])
    )


def entry_hash(entry: Entry, domain: Domain, log: bool = False) -> Hash32:
    """The EIP-712 digest of ``entry``: its entry hash, and what its actor signs — as a
    ledger ``Entry``, or with ``log`` as a ``LogEntry`` for the Merkle log.

    Encoded directly (every field is one 32-byte word; the string is hashed): the same bytes
    eth-account's typed-data encoder produces, which a test checks, at a fraction of the cost.
    """
    struct_hash = keccak256(
        (_LOG_ENTRY_TYPEHASH if log else _ENTRY_TYPEHASH)
        + bytes(entry.consignment)
        + entry.seq.to_bytes(32, "big")
        + bytes(entry.prev_hash)
        + bytes(entry.event_type)
        + bytes(entry.payload_hash)
        + keccak256(entry.cid.encode())
        + bytes(12)
        + bytes.fromhex(entry.next_carrier[2:])
        + bytes(12)
        + bytes.fromhex(entry.actor[2:])
    )
    return Hash32(keccak256(b"\x19\x01" + domain_separator(domain) + struct_hash))


def sign_entry(entry: Entry, domain: Domain, private_key: bytes | str, log: bool = False) -> bytes:
    """The actor's 65-byte signature (r ‖ s ‖ v) over the entry (a ``LogEntry`` with ``log``)."""
    signed = Account.sign_message(_signable(entry, domain, log), private_key)
    return bytes(signed.signature)


def recover_signer(entry: Entry, domain: Domain, signature: bytes, log: bool = False) -> Address:
    """The address that produced ``signature`` over ``entry``.

    Raises LedgerValueError for malformed or malleable (high-s) signatures, which the
    contract refuses too.
    """
    return recover_digest_signer(entry_hash(entry, domain, log), signature)


def recover_digest_signer(digest: bytes, signature: bytes) -> Address:
    """The address that produced ``signature`` over an entry whose hash is ``digest``
    (for callers that computed the entry hash already). Same refusals as :func:`recover_signer`."""
    if len(signature) != 65:
        raise LedgerValueError(f"signature must be 65 bytes (r, s, v), got {len(signature)}")
    s = int.from_bytes(signature[32:64], "big")
    if s > _SECP256K1_N // 2:
        raise LedgerValueError("signature is malleable (s in the upper half of the curve order)")
    # 27 or 28 only: OpenZeppelin's ECDSA, which the ledger uses, refuses 0 and 1.
    if signature[64] not in (27, 28):
        raise LedgerValueError(f"signature recovery id must be 27 or 28, got {signature[64]}")
    v = signature[64] - 27
    try:
        public_key = PublicKey.from_signature_and_message(signature[:64] + bytes([v]), digest, hasher=None)
    except ValueError as exc:
        raise LedgerValueError(f"signature does not recover a signer: {exc}") from exc
    return _address_of(public_key.format(compressed=False)[1:])


# Entries name the same few accounts over and over; EIP-55 costs a keccak each time.
_checksum = lru_cache(maxsize=4096)(to_checksum_address)


@lru_cache(maxsize=4096)
def _address_of(public_key: bytes) -> Address:
    # Cached: one signer signs many entries, and the checksum costs two more hashes.
    return Address(to_checksum_address(keccak256(public_key)[-20:]))


def compact_signature(signature: bytes) -> tuple[bytes, bytes]:
    """ERC-2098 form (r, yParity ‖ s) of a 65-byte signature, as the ledger takes it: 64 bytes
    instead of 65 plus an ABI length, in calldata and in every EventAppended log. A low s
    never uses the top bit, which carries the parity. Refuses what :func:`recover_digest_signer` refuses."""
    if len(signature) != 65:
        raise LedgerValueError(f"signature must be 65 bytes (r, s, v), got {len(signature)}")
    if signature[64] not in (27, 28):
        raise LedgerValueError(f"signature recovery id must be 27 or 28, got {signature[64]}")
    if int.from_bytes(signature[32:64], "big") > _SECP256K1_N // 2:
        raise LedgerValueError("signature is malleable (s in the upper half of the curve order)")
    vs = bytearray(signature[32:64])
    vs[0] |= (signature[64] - 27) << 7
    return signature[:32], bytes(vs)


def expand_signature(r: bytes, vs: bytes) -> bytes:
    """The 65-byte (r ‖ s ‖ v) signature of an ERC-2098 (r, vs) pair."""
    s = bytearray(vs)
    parity = s[0] >> 7
    s[0] &= 0x7F
    return bytes(r) + bytes(s) + bytes([27 + parity])
