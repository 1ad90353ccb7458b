"""The broker: which transport muster talks to, the Celery app over it, and the embedded default.

``transport`` chooses the broker from the settings; ``app`` builds the Celery app (no tasks: the
worker registers them, producers need none); ``fs_transport`` is the embedded broker, kombu's
filesystem transport written safely; ``recovery`` puts back at start-up what a killed worker had
fetched from it.
"""
