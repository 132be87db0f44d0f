from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "tongxin.inbox"
    label = "inbox"
    verbose_name = "消息"
