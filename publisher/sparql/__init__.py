"""SPARQL: the endpoint's core (publisher.sparql.endpoint: limits, worker processes, result writers), independent
of HTTP. Kept free of imports so that a worker process (publisher.sparql.worker) starts with little more than
pyoxigraph.
"""
