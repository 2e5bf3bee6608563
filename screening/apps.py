from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Threshold screening"

    def ready(self):
        # Load and validate the rule set at start: a malformed knowledge file stops the app with a clear message.
        from screening.engine import default_ruleset

        default_ruleset()
