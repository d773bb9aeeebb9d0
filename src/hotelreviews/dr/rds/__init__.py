"""Disaster recovery on Amazon RDS for PostgreSQL: a primary instance in one region and
cross-region read replicas in the others (`hotelreviews dr rds`; runbooks in
docs/operations.md). The writer's address lives in the writer endpoint store (an SSM
parameter or a Secrets Manager secret, writer_store) that the API and the worker re-read.
"""
