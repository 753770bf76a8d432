"""The consortium on one machine: go-ethereum Clique signers (``clique``), a private swarm of
kubo daemons (``swarm``), and an organisation node per customs administration on them.

Used by ``make consortium`` and the consortium tests; a production consortium runs its own
Besu QBFT validators and kubo nodes and points each service at them by configuration.
"""
