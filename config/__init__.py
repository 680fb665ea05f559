# The Celery app (config/celery.py) is not imported here, as Celery's Django guide does:
# that cost every process a tenth of a second. The worker finds it (`celery -A config`),
# and code that queues a job loads it first (core.jobs).
