"""The platform's own topology on one machine: three regions, each with PostgreSQL (the
primary in us-east-1, streaming replicas elsewhere), Redis, API and worker processes and an
HAProxy load balancer, behind one global HAProxy entry (`hotelreviews cluster`).

The same PostgreSQL operations serve disaster recovery (hotelreviews.dr) and backups
(hotelreviews.backup).
"""
