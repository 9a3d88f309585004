from django.conf import settings


def service(request):
    """The service name and whether the data shown is synthetic (for the phase banner)."""
    return {"service_name": settings.SERVICE_NAME, "demo_data": settings.DEMO_DATA}
