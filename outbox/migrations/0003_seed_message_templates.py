from django.db import migrations

# The seed texts, as outbox.sms.texts.DEFAULT_TEXTS had them when this was written (a migration keeps its own copy).
TEXTS = {
    ("complaint_logged", "zh-hans"): "您的意见我们已收到，编号{reference}。处理进度请看：{link}",
    ("complaint_logged", "en"): "We have your complaint, reference {reference}. See its progress: {link}",
    ("survey_invitation", "zh-hans"): "您的投诉{reference}已处理，请用一分钟告诉我们是否满意：{link}",
    ("survey_invitation", "en"): "Your complaint {reference} was handled. Was it put right? Tell us in a minute: {link}",
    ("reopened_outcome", "zh-hans"): "您的投诉{reference}已重新处理，处理结果请看：{link}",
    ("reopened_outcome", "en"): "We looked at your complaint {reference} again. See what we did: {link}",
}


def seed(apps, schema_editor):
    MessageTemplate = apps.get_model("outbox", "MessageTemplate")
    for (kind, language), text in TEXTS.items():
        MessageTemplate.objects.get_or_create(kind=kind, language=language, defaults={"text": text})


class Migration(migrations.Migration):
    dependencies = [("outbox", "0002_sms_templates_and_opt_outs")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
