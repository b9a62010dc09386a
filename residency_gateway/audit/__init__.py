"""The decision trail: records (pure), hash chain and Merkle tree (pure), stores, export, verify."""
