"""`hotelreviews dr drill`: a disaster-recovery drill on a running cluster.

Under a steady mixed read/write load through the global entry (every region's traffic), the
primary is killed (its PostgreSQL, or its whole region), a failover runs, and the drill
measures what users saw: RTO, RPO, read availability and latency per region before, during
and after the event. Then the cluster is made whole again and a JSON and a Markdown report
are written.

Modules: `records` (what one request was), `measure` (pure statistics over the records),
`load` (the load generator), `faults` (killing and restoring), `scenario` (the phases),
`report` (JSON and Markdown), `cli` (the command).
"""
