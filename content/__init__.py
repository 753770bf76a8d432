"""Content-addressed storage of documents: a local blockstore (embedded default) or kubo IPFS."""
