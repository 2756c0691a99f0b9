from django.apps import AppConfig


class AudienceConfig(AppConfig):
    name = "audience"
    verbose_name = "Subscribers and newsletters"

    def ready(self) -> None:
        # Deferred: the box imports models, which load after this module.
        from audience.editor import EMAIL_BOX
        from audience.transfer import SUBSCRIBERS
        from blog.editor import editor_box_register
        from blog.transfer import transfer_section_register

        editor_box_register(EMAIL_BOX)
        transfer_section_register(SUBSCRIBERS)
