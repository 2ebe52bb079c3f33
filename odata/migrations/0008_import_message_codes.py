"""An import run's message becomes a code and parameters, put into words in the reader's
language. The text earlier runs stored (in the language of the process that ran them) is kept
as `legacy_message` and shown as it is."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("odata", "0007_parse_years_1900_to_2100")]

    operations = [
        migrations.RenameField(model_name="importrun", old_name="message", new_name="legacy_message"),
        migrations.AddField(
            model_name="importrun",
            name="message_code",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="importrun",
            name="message_params",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
