from django.conf import settings


def portal(request):
    return {"programme_name": settings.PROGRAMME_NAME}
