"""Uploads stored in S3, under the uploads prefix (HOTELREVIEWS_UPLOAD_S3_URI).

A body smaller than one part is one PUT; a larger one a multipart upload, whose object
exists only once it is completed after the last part: until then nothing is listed or
readable under its key. Whatever ends the upload early (the client leaving, the cap, S3
failing) aborts the multipart upload, so S3 keeps none of its parts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable
from datetime import UTC, datetime
from typing import Any

from hotelreviews.core.errors import UploadStoreUnavailable
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.sources import s3
from hotelreviews.ingestion.uploads.body import MeasuredBody
from hotelreviews.ingestion.uploads.names import stored_name
from hotelreviews.ingestion.uploads.stored import StoredUpload

logger = logging.getLogger("hotelreviews.api")
# S3's smallest part but the last is 5 MiB; 8 MiB is boto3's own multipart chunk size.
PART_BYTES = 8 * 1024 * 1024


class S3Uploads:
    def __init__(self, settings: Settings, prefix_uri: str) -> None:
        self._settings = settings
        self._bucket, self._prefix = s3.parse_uri(prefix_uri)

    async def store(
        self, chunks: AsyncIterable[bytes], *, name: str, max_bytes: int
    ) -> StoredUpload:
        """Write the whole body as one object; nothing is left in S3 if it fails."""
        body = MeasuredBody(chunks, max_bytes=max_bytes)
        day = datetime.now(UTC).strftime("%Y%m%d")  # no dashes: not a delivery date
        key = f"{self._prefix}{day}/{stored_name(name)}"
        client = s3.client_for(self._settings)
        blocks = body.blocks(PART_BYTES)
        first = await anext(blocks)
        try:
            second = await anext(blocks)
        except StopAsyncIteration:
            await self._call(client.put_object, Bucket=self._bucket, Key=key, Body=first)
        else:
            await self._multipart(client, key, [first, second], blocks)
        return StoredUpload(uri=f"s3://{self._bucket}/{key}", size=body.size, sha256=body.sha256)

    async def _multipart(
        self, client: Any, key: str, head: list[bytes], rest: AsyncIterable[bytes]
    ) -> None:
        started = await self._call(client.create_multipart_upload, Bucket=self._bucket, Key=key)
        upload_id = started["UploadId"]
        parts: list[dict[str, Any]] = []
        try:

            async def put(block: bytes) -> None:
                number = len(parts) + 1
                answer = await self._call(
                    client.upload_part,
                    Bucket=self._bucket,
                    Key=key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=block,
                )
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})

            for block in head:
                await put(block)
            async for block in rest:
                await put(block)
            await self._call(
                client.complete_multipart_upload,
                Bucket=self._bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            await asyncio.shield(self._abort(client, key, upload_id))
            raise

    async def _abort(self, client: Any, key: str, upload_id: str) -> None:
        try:
            await asyncio.to_thread(
                client.abort_multipart_upload, Bucket=self._bucket, Key=key, UploadId=upload_id
            )
        except Exception as error:  # a lifecycle rule on the bucket is the backstop
            logger.warning("could not abort the upload of s3://%s/%s: %s", self._bucket, key, error)

    async def discard(self, uri: str) -> None:
        """Delete a stored upload that is not to be queued (a replay, a refused request)."""
        bucket, key = s3.parse_uri(uri)
        client = s3.client_for(self._settings)
        try:
            await asyncio.to_thread(client.delete_object, Bucket=bucket, Key=key)
        except Exception as error:
            logger.warning("could not delete %s: %s", uri, error)

    async def _call(self, method: Any, **arguments: Any) -> Any:
        try:
            return await asyncio.to_thread(method, **arguments)
        except Exception as error:
            logger.warning("storing an upload in s3://%s failed: %s", self._bucket, error)
            raise UploadStoreUnavailable() from error
