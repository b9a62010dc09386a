"""residency-gateway: a data-residency router and transfer gateway for KYC verification traffic.

`core/` decides (pure), `regionmap/` loads what SREs write, `audit/` records, `gateway/` acts.
"""

__version__ = "0.1.0"
