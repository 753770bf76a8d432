"""A small client for participants who hold their own key: it builds and signs entries
(EIP-712, with ``evidence``) and sends them to a BorderLedger node to relay."""

from client.http import ClientError, LedgerClientHTTP

__all__ = ["ClientError", "LedgerClientHTTP"]
