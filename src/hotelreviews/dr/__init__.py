"""Disaster recovery on the cluster's PostgreSQL servers: planned switchover, unplanned
failover with fencing, rejoining a former primary as a replica. What the servers are doing
(`dr status`) is read by cluster.pg_status, which `cluster status` shows too.

Every operation takes the nodes by region name (`ClusterLayout.nodes()`, or nodes a test
builds) and asks the servers themselves who is primary: nothing is cached that a crash could
make wrong. The API and worker processes need no change of configuration: their primary URL
lists every node and the driver connects to the one that accepts writes.
"""
