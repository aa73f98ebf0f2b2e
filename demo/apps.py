from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo school (`manage.py seed_demo`) and the benchmarks' large school (`manage.py seed_scale`).

    The top layer: it uses courses and enrollment as any outsider would, and nothing imports it.
    """

    name = "demo"
    verbose_name = "Demo school"
