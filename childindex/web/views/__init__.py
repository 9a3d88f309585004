"""The web's views, one module per part of the service (``account``, ``journey``, ``reports``,
...): adapters that parse the request, call one selector or service, and render the template
of the same name (``web/templates/<module>/``). Every view declares its access rule with a
decorator from ``web.decorators``; ``web/urls.py`` only routes."""
