"""moto's server, with RDS read-replica promotion made to behave as AWS documents it.

moto 5.2 marks a promoted replica internally but still describes it with its
ReadReplicaSourceDBInstanceIdentifier, and its source still lists it among its read
replicas. AWS clears both: a promoted replica is a standalone instance
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Promote.html). Run as
a script (`python tests/support/moto_rds_promotion.py -H HOST -p PORT`), by AwsServer.
"""

from __future__ import annotations

import sys
from typing import Any

from moto.rds.models import RDSBackend
from moto.server import main

_moto_promote = RDSBackend.promote_read_replica


def _promote_read_replica(self: RDSBackend, db_kwargs: dict[str, Any]) -> Any:
    replica = self.databases[db_kwargs["db_instance_identifier"]]
    source = replica.source_db_instance_identifier
    if replica.is_replica and source:
        primary = self.find_db_from_id(source)
        for name in (replica.db_instance_arn, replica.db_instance_identifier):
            if name in primary.replicas:
                primary.replicas.remove(name)
        replica.source_db_instance_identifier = None
    return _moto_promote(self, db_kwargs)


RDSBackend.promote_read_replica = _promote_read_replica  # type: ignore[method-assign]

if __name__ == "__main__":
    main(sys.argv[1:])
