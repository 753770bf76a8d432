"""API keys (stored as sha-256 hashes), custodial signing keys (encrypted keystores) and
credential-signing keys (encrypted PKCS#8)."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading

from eth_account import Account
from eth_account.signers.local import LocalAccount
from joserfc.jwk import ECKey

API_KEY_PREFIX = "blk_"


def new_api_key() -> str:
    """A fresh API key: 256 random bits, URL-safe."""
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    """The stored form of an API key. Keys are high-entropy, so a plain sha-256 suffices."""
    return hashlib.sha256(key.encode()).hexdigest()


class Keyring:
    """Encrypts new custodial keys and decrypts them on first use (cached in memory)."""

    def __init__(self, password: str, scrypt_n: int) -> None:
        self._password = password
        self._scrypt_n = scrypt_n
        self._cache: dict[str, LocalAccount] = {}
        self._lock = threading.Lock()

    def create(self) -> tuple[LocalAccount, str]:
        """A new account and its encrypted keystore JSON."""
        account: LocalAccount = Account.create()
        keystore = Account.encrypt(account.key, self._password, kdf="scrypt", iterations=self._scrypt_n)
        with self._lock:
            self._cache[account.address] = account
        return account, json.dumps(keystore)

    def unlock(self, address: str, keystore: str) -> LocalAccount:
        """The account of ``keystore`` (decrypted once, then cached)."""
        with self._lock:
            cached = self._cache.get(address)
        if cached is not None:
            return cached
        account: LocalAccount = Account.from_key(Account.decrypt(json.loads(keystore), self._password))
        with self._lock:
            self._cache[address] = account
        return account

    def seal_signing_key(self, key: ECKey) -> str:
        """A credential-signing key as PKCS#8 PEM encrypted under the keystore password."""
        return key.as_pem(private=True, password=self._password).decode("ascii")

    def open_signing_key(self, sealed: str) -> ECKey:
        """A sealed credential-signing key, decrypted."""
        return ECKey.import_key(sealed, password=self._password)
