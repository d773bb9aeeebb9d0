"""Disaster recovery on Amazon RDS for PostgreSQL: a primary instance in one region and
cross-region read replicas in the others (`hotelreviews dr rds`; runbooks in
docs/operations.md). The writer's address lives in an SSM parameter that the apps re-read.
"""
