"""How JSON column values are read back (core.database.read_json): orjson first, the json
module for the documents only it accepts."""

from __future__ import annotations

import math

from hotelreviews.core.database import read_json


def test_documents_read_as_the_json_module_reads_them() -> None:
    text = '{"cleanliness": 10.0, "value": 7, "tags": ["quiet", null], "ok": true}'
    assert read_json(text) == {"cleanliness": 10.0, "value": 7, "tags": ["quiet", None], "ok": True}
    assert read_json(b"[1, 2.5]") == [1, 2.5]


def test_a_document_holding_nan_is_still_read() -> None:
    # The json module writes and reads NaN; orjson refuses it.
    value = read_json('{"value": NaN}')["value"]
    assert math.isnan(value)
