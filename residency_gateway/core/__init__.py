"""The decision core. PURE: no networking, no files, no clock, no logging.

Everything here takes values and returns values. The aiohttp shell gathers facts (peer address,
headers, the inspected body, a GeoIP lookup function, the current time), calls `policy.decide`,
and carries out the returned decision. `explain`, `config diff`, replay and the property tests
call exactly the same functions.
"""
