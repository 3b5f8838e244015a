from __future__ import annotations

from hookline.cache import TimedCache


async def test_values_are_reused_until_they_expire_and_can_be_forgotten() -> None:
    now = [0.0]
    loads: list[str] = []
    cache = TimedCache(5.0, clock=lambda: now[0])

    async def load() -> str | None:
        loads.append("x")
        return None if len(loads) == 1 else f"v{len(loads)}"

    assert await cache.get("k", load) is None, "a missing row is cached too"
    assert await cache.get("k", load) is None and len(loads) == 1
    now[0] = 5.1
    assert await cache.get("k", load) == "v2"
    cache.forget("k")
    assert await cache.get("k", load) == "v3"
