"""What an ingestion run reports: per file and in total (for the CLI, its --json, the API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from hotelreviews.ingestion.writing.batch import LineCounts

FileStatus = Literal["ingested", "skipped", "failed"]


@dataclass(slots=True)
class FileReport:
    source: str
    status: FileStatus
    counts: LineCounts = field(default_factory=LineCounts)
    run_id: int | None = None
    seconds: float = 0.0
    resumed_after_line: int = 0
    message: str | None = None  # why a file was skipped or failed
    transient: bool = False  # failed for a reason that may pass (network, HTTP 5xx): retry

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "ingestion_id": self.run_id,
            "message": self.message,
            "resumed_after_line": self.resumed_after_line,
            "seconds": round(self.seconds, 3),
            **counts_dict(self.counts),
        }


@dataclass(slots=True)
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def totals(self) -> LineCounts:
        total = LineCounts()
        for report in self.files:
            total.add(report.counts)
        total.lines_done = sum(report.counts.lines_done for report in self.files)
        return total

    @property
    def failed(self) -> list[FileReport]:
        return [report for report in self.files if report.status == "failed"]

    @property
    def lines_per_second(self) -> float:
        lines = sum(
            report.counts.lines_done - report.resumed_after_line
            for report in self.files
            if report.status != "skipped"
        )
        return lines / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": [report.as_dict() for report in self.files],
            "totals": counts_dict(self.totals),
            "files_ingested": sum(report.status == "ingested" for report in self.files),
            "files_skipped": sum(report.status == "skipped" for report in self.files),
            "files_failed": len(self.failed),
            "seconds": round(self.seconds, 3),
            "lines_per_second": round(self.lines_per_second, 1),
        }


def counts_dict(counts: LineCounts) -> dict[str, Any]:
    return {
        "lines_read": counts.lines_done,
        "lines_blank": counts.blank,
        "reviews_new": counts.new,
        "reviews_updated": counts.updated,
        "reviews_unchanged": counts.unchanged,
        "lines_rejected": counts.rejected,
        "rejected_by_reason": dict(sorted(counts.rejected_by_reason.items())),
    }
