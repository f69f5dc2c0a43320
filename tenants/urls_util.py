"""Moved to zhengtong.core.hosts (the platform builds these links and may not import tenants/:
docs/architecture.md, Layers); re-exported here until the last importers have moved."""
from zhengtong.core.hosts import district_url, host_url, unit_host, unit_url

__all__ = ["district_url", "host_url", "unit_host", "unit_url"]
