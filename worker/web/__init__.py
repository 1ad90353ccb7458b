"""muster's web process: the one front door for what is not already a Celery producer.

Monitoring webhooks (Alertmanager, Grafana), scripts (the message contract as JSON), the
Acknowledge links of pages, health and metrics. It only validates, authenticates and queues
contract messages on the broker, never writes incidents itself, so any number of these
stateless processes can run behind a load balancer.
"""
