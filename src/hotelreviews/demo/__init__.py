"""Deterministic, realistic demo feeds: `write_demo` writes provider files in both shapes."""

from hotelreviews.demo.generator import DemoFile
from hotelreviews.demo.run import DemoManifest, write_demo

__all__ = ["DemoFile", "DemoManifest", "write_demo"]
