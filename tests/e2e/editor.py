"""Helpers of the annotation editor's browser tests."""

from __future__ import annotations

from playwright.sync_api import Page


def screen_point(page: Page, x: float, y: float) -> tuple[float, float]:
    """Page coordinates of image pixel position (x, y), by the editor's own test handle."""
    sx, sy = page.evaluate(
        """([x, y]) => {
            const [px, py] = window.__editor.screenOf(x, y);
            const box = window.__editor.map.getContainer().getBoundingClientRect();
            return [box.left + px, box.top + py];
        }""",
        [x, y],
    )
    return float(sx), float(sy)
