"""Consents are not in the back office (issue 15, finding 3): its list gave children and their
CAMHS or sexual-health service with no search term. They are recorded and withdrawn through
``records.services`` from the web, under the access policy."""
