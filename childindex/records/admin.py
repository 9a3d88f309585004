"""Children, their names, addresses, identifiers, carers and involvements are not in the back
office (issue 15, finding 3): it served a browsable, unaudited roll outside the access policy.
The web serves each of them through ``access.policy`` (the record, the index team's pages) and
they change through the services that keep their rules (feeds, review, lifecycle)."""
