"""``python -m publisher.sparql``: a query worker process (see publisher.sparql.pool)."""

from publisher.sparql.worker import main

main()
